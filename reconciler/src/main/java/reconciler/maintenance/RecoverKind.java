package reconciler.maintenance;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import reconciler.core.ReconcilePass;
import reconciler.core.Recoverer;

/**
 * {@code recover}: one reconcile pass over the graph now (the daemon's pass with trigger
 * {@code maintenance}): every pending sidecar is finished, aborted, rolled forward or rolled back
 * under its leases (or deferred), and uncovered drift made of fenced-off commits is reverted
 * (docs/protocol.md §6). Waits up to {@code leaseWait} for leases a live writer holds.
 */
public final class RecoverKind implements MaintenanceKind {

    public static final String NAME = "recover";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "run a reconcile pass now: roll pending sidecars forward or back (or defer them) and revert fenced-off drift";
    }

    @Override
    public MaintenanceResult run(MaintenanceContext ctx) throws Exception {
        ctx.progress(0, "reconcile pass");
        ReconcilePass.Report r = ctx.host().reconcilePass(ctx.graphId());
        List<Map<String, Object>> items = new ArrayList<>();
        for (Recoverer.Result x : r.results()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("operationId", x.operationId());
            m.put("status", x.status().name());
            m.put("action", x.action() == null ? null : x.action().name());
            m.put("message", x.message());
            items.add(m);
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("manifestVersion", r.status().manifestVersion());
        d.put("converged", r.converged());
        d.put("pendingSidecars", r.status().sidecars().size());
        d.put("corruptSidecars", r.status().corruptSidecars().size());
        d.put("items", items);
        ctx.progress(1, "done");
        return new MaintenanceResult(items.size() + " item(s) handled, manifest v" + r.status().manifestVersion()
                + (r.converged() ? ", converged" : ", NOT converged"), d);
    }
}
