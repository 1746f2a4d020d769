package reconciler.maintenance;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether the daemon is ready to do its job ({@code GET /readyz}, docs/maintenance.md): its ZooKeeper
 * session is CONNECTED, every configured graph root holds a readable manifest (a typo in
 * {@code graphs:} is not ready, never silently adopted), and no graph's last pass by this daemon
 * failed. Liveness ({@code /healthz}) only says the process serves.
 */
public final class Readiness {

    /**
     * One check.
     *
     * @param name {@code zookeeper}, or {@code graph:<root>}
     * @param ok whether it passes
     * @param detail what was seen, for a human
     */
    public record Check(String name, boolean ok, String detail) {
    }

    /**
     * The answer.
     *
     * @param status {@code ready} or {@code not_ready}
     * @param checks every check, the ZooKeeper session first, then the graphs in config order
     */
    public record Report(String status, List<Check> checks) {
        /** Whether every check passed. */
        public boolean ready() {
            return status.equals("ready");
        }
    }

    private Readiness() {
    }

    /** Checks {@code host} now (no storage request: the last pass and the open graph handles are read). */
    public static Report of(MaintenanceHost host) {
        List<Check> checks = new ArrayList<>();
        boolean zk = host.leases().isConnected();
        checks.add(new Check("zookeeper", zk, zk ? "session connected" : "session not connected (SUSPENDED, LOST or not yet connected)"));
        for (GraphRef g : host.graphs()) {
            String name = "graph:" + g.root();
            if (g.graphId() == null) {
                checks.add(new Check(name, false, "no readable manifest at this root (a typo in graphs:, or not initialised yet)"));
                continue;
            }
            Optional<PassRecord> last = host.lastPass(g.graphId());
            if (last.isPresent() && last.get().error() != null) {
                checks.add(new Check(name, false, "graph " + g.graphId() + ": the last pass (" + last.get().trigger() + ", "
                        + last.get().startedAt() + ") failed: " + last.get().error()));
            } else {
                checks.add(new Check(name, true, "graph " + g.graphId() + (last.isPresent() ? ": last pass " + last.get().trigger()
                        + " at " + last.get().startedAt() : ": no pass by this daemon yet")));
            }
        }
        return new Report(checks.stream().allMatch(Check::ok) ? "ready" : "not_ready", List.copyOf(checks));
    }
}
