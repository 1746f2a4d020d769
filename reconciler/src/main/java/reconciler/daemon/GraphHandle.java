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
    /** Checked since start: its first scheduled pass ran (or found the graph owned by another daemon). */
    final AtomicBoolean checked = new AtomicBoolean();
    /**
     * The manifest version at which declared index coverage was last found converged (-1: never).
     * Coverage at a manifest version never changes (its pins and catalog are fixed and Lance versions
     * are immutable), so index rounds are skipped while the version stays.
     */
    volatile long coverageConvergedAt = -1;
    private final java.util.function.Consumer<GraphHandle> onIdKnown;

    GraphHandle(int index, Graph graph, String configuredRoot) {
        this(index, graph, configuredRoot, g -> { });
    }

    /** @param onIdKnown called once when the graph id has been read (the set indexes handles by id) */
    GraphHandle(int index, Graph graph, String configuredRoot, java.util.function.Consumer<GraphHandle> onIdKnown) {
        this.index = index;
        this.graph = graph;
        this.configuredRoot = configuredRoot;
        this.onIdKnown = onIdKnown;
    }

    /** The graph id from the manifest, read once; null while the root has no manifest or cannot be read. */
    String graphId() {
        if (graphId == null) {
            try {
                String id = graph.manifests().latest().map(Manifest::graphId).orElse(null);
                if (id != null) {
                    synchronized (this) {
                        if (graphId == null) {
                            graphId = id;
                            onIdKnown.accept(this);
                        }
                    }
                }
            } catch (IOException e) {
                LOG.warn("graph root {}: cannot read its manifest: {}", graph.store().root(), e.toString());
            }
        }
        return graphId;
    }
}
