package reconciler.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import reconciler.core.GraphStatus;
import reconciler.graph.Graph;

@Command(name = "status", mixinStandardHelpOptions = true, description = "Manifest version, pins vs Lance HEAD per table, pending/deferred/corrupt sidecars. Exit 0 if converged, 1 if not.")
final class StatusCommand implements Callable<Integer> {
    @Mixin
    GraphTarget graph;

    @Mixin
    JsonOutput out;

    /** Lock nodes of the graph's leases (text output only), filled by {@link #owner}. */
    private java.util.List<reconciler.leases.LeaseHolders.Holder> holders = java.util.List.of();

    /** The owning daemon from ZooKeeper, or null when ZooKeeper is not reachable (status still works without it). */
    private String owner(String graphId) {
        try {
            reconciler.daemon.Config cfg = graph.config().withConnectTimeout(java.time.Duration.ofSeconds(3));
            try (reconciler.daemon.Coordination c = reconciler.daemon.Coordination.open(cfg, false)) {
                holders = reconciler.leases.LeaseHolders.of(c.leases().session(), graphId);
                return reconciler.leases.Membership.owner(c.leases(), graphId).orElse(null);
            }
        } catch (Exception e) {
            return null;
        }
    }

    @Override
    public Integer call() throws Exception {
        try (Graph g = graph.open()) {
            GraphStatus s = GraphStatus.of(g);
            GraphStatus owned = s.withOwner(owner(s.graphId()));
            out.print(owned, () -> {
                Printer.status(System.out, owned);
                for (reconciler.leases.LeaseHolders.Holder h : holders) {
                    System.out.println("lease " + h.describe());
                }
            });
            return owned.converged() ? Main.OK : Main.NOT_CONVERGED;
        }
    }
}
