package reconciler.core;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reconciler.sidecar.SidecarEntry;
import reconciler.writer.Graph;

/**
 * One reconcile pass over one graph: every pending sidecar in ULID order is recovered (each with a
 * fresh manifest snapshot, re-read under its leases), then the graph's status is taken.
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

    /**
     * Runs the pass.
     *
     * @throws IOException if the sidecars cannot be listed or the status cannot be taken
     */
    public Report run(Graph graph) throws IOException, InterruptedException {
        List<Recoverer.Result> results = new ArrayList<>();
        for (SidecarEntry e : graph.sidecars().list()) {
            if (e instanceof SidecarEntry.Corrupt c) {
                LOG.error("graph root {}: {}", graph.store().root(), c.reason());
                continue;
            }
            Recoverer.Result r = recoverer.recover(graph, ((SidecarEntry.Valid) e).sidecar());
            LOG.info("graph root {} sidecar {}: {} {}", graph.store().root(), r.operationId(), r.status(), r.message());
            results.add(r);
        }
        return new Report(results, GraphStatus.of(graph));
    }
}
