package reconciler.core;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reconciler.sidecar.SidecarEntry;
import reconciler.graph.Graph;

/**
 * One reconcile pass over one graph: every pending sidecar in ULID order is recovered (each with a
 * fresh manifest snapshot, re-read under its leases), then the graph's status is taken. An idle
 * graph (no sidecar) costs one manifest listing (the cached version is not read again), one
 * sidecar listing and one HEAD listing per table ({@link GraphStatus#ofIdle}).
 */
public final class ReconcilePass {

    private static final Logger LOG = LoggerFactory.getLogger(ReconcilePass.class);

    private final Recoverer recoverer;

    public ReconcilePass(Recoverer recoverer) {
        this.recoverer = recoverer;
    }

    /**
     * @param results what happened to each sidecar
     * @param status the graph's status after the pass
     */
    public record Report(List<Recoverer.Result> results, GraphStatus status) {
        /** Whether the graph converged: no sidecar left, pin == HEAD everywhere. */
        public boolean converged() {
            return status.converged();
        }
    }

    /** Runs the pass, waiting up to the configured lease wait for busy leases. */
    public Report run(Graph graph) throws IOException, InterruptedException {
        return run(graph, null);
    }

    /**
     * Runs the pass: recovers every pending sidecar, then reverts drift that no sidecar covers when
     * it is provably made of fenced-off commits, then takes the graph's status.
     *
     * @param wait how long to wait for busy leases, or null for the recoverer's configured wait
     * @throws IOException if the sidecars cannot be listed or the status cannot be taken
     */
    public Report run(Graph graph, java.time.Duration wait) throws IOException, InterruptedException {
        List<Recoverer.Result> results = new ArrayList<>();
        reconciler.manifest.Manifest manifest = graph.manifests().require();
        List<SidecarEntry> listed = graph.sidecars().list(manifest);
        for (SidecarEntry e : listed) {
            if (e instanceof SidecarEntry.Corrupt c) {
                LOG.error("graph root {}: {}", graph.store().root(), c.reason());
                continue;
            }
            reconciler.sidecar.Sidecar s = ((SidecarEntry.Valid) e).sidecar();
            Recoverer.Result r = wait == null ? recoverer.recover(graph, s) : recoverer.recover(graph, s, wait);
            // a live writer holding the leases (BUSY) is the normal case while it writes, not an action
            (r.status() == Recoverer.Status.BUSY ? LOG.atDebug() : LOG.atInfo())
                    .addKeyValue("graph", s.graphId()).addKeyValue("operationId", r.operationId())
                    .addKeyValue("outcome", r.action() == null ? r.status().name() : r.action().name())
                    .log("graph root {} sidecar {}: {} {}", graph.store().root(), r.operationId(), r.status(), r.message());
            results.add(r);
        }
        // idle (nothing listed): the manifest and the empty listing are reused, only the HEADs are read
        GraphStatus status = listed.isEmpty() ? GraphStatus.ofIdle(graph, manifest) : GraphStatus.of(graph);
        boolean repaired = false;
        java.util.Set<String> covered = new java.util.HashSet<>();
        status.sidecars().forEach(p -> covered.addAll(p.tables()));
        for (GraphStatus.TableStatus t : status.tables()) {
            if (t.drift() > 0 && !covered.contains(t.table()) && status.corruptSidecars().isEmpty()) {
                Recoverer.Result r = recoverer.repairDrift(graph, status.graphId(), t.table(),
                        wait == null ? recoverer.leaseWait() : wait);
                (r.status() == Recoverer.Status.BUSY ? LOG.atDebug() : LOG.atInfo())
                        .addKeyValue("graph", status.graphId()).addKeyValue("operationId", r.operationId())
                        .addKeyValue("table", t.table()).addKeyValue("outcome", r.status().name())
                        .log("graph root {} drift on {}: {} {}", graph.store().root(), t.table(), r.status(), r.message());
                results.add(r);
                repaired |= r.status() == Recoverer.Status.RESOLVED;
            }
        }
        return new Report(results, repaired ? GraphStatus.of(graph) : status);
    }
}
