package reconciler.daemon;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reconciler.graph.Graph;
import reconciler.maintenance.PassRecord;
import reconciler.manifest.Manifest;

/** One configured graph root of a daemon: its open graph, Quartz job key and pass bookkeeping. */
final class GraphHandle {

    private static final Logger LOG = LoggerFactory.getLogger(Daemon.LOGGER); // the daemon's log lines keep their logger name

    /** Position in the daemon's graph set (never reused); also the work-queue key and the job name {@code graph-<index>}. */
    final int index;
    final Graph graph;
    /** The root as listed in the config. */
    final String configuredRoot;
    /** A background index convergence round is running. */
    final AtomicBoolean indexing = new AtomicBoolean();
    volatile String graphId;
    /** Removed from the config by a reload: no job, not claimed, not served (issue #5). */
    volatile boolean retired;
    /** The last pass over this graph (maintenance state, issue #5). */
    volatile PassRecord lastPass;
    /** Background maintenance (index convergence after passes) is paused by a harness; recovery still runs. */
    volatile boolean backgroundPaused;
    /** This daemon's first scheduled pass job for the graph has run (a pass, or the skip of a graph another daemon owns). */
    volatile boolean firstCheckDone;

    GraphHandle(int index, Graph graph, String configuredRoot) {
        this.index = index;
        this.graph = graph;
        this.configuredRoot = configuredRoot;
    }

    /** The graph id from the manifest, read once; null while the root has no manifest or cannot be read. */
    String graphId() {
        if (graphId == null) {
            try {
                graphId = graph.manifests().latest().map(Manifest::graphId).orElse(null);
            } catch (IOException e) {
                LOG.warn("graph root {}: cannot read its manifest: {}", graph.store().root(), e.toString());
            }
        }
        return graphId;
    }
}
