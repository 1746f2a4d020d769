package reconciler.maintenance;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether the daemon is ready to do its job ({@code GET /readyz}, docs/maintenance.md): its ZooKeeper
 * session is CONNECTED, every configured graph root holds a readable manifest (a typo in
 * {@code graphs:} is not ready, never silently adopted), every graph was checked since start (its
 * first pass ran: with 10,000 graphs the first pass takes seconds, and {@code GET /readyz?graph=ID}
 * answers for one graph as soon as it is checked), and no graph's last pass by this daemon failed.
 * Liveness ({@code /healthz}) only says the process serves.
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
        return of(host, null);
    }

    /**
     * Checks {@code host} now, or only one graph of it: a graph is ready as soon as this daemon checked it
     * since start, while the first pass over the others continues ({@code GET /readyz?graph=ID}).
     *
     * @param graph a graph id or configured root, or null for the whole daemon (then a {@code first_pass}
     *     check says how many graphs were checked since start, e.g. {@code first pass: 4,000/10,000 graphs checked})
     * @throws java.util.NoSuchElementException if {@code graph} is not configured here
     */
    public static Report of(MaintenanceHost host, String graph) {
        List<Check> checks = new ArrayList<>();
        boolean zk = host.leases().isConnected();
        checks.add(new Check("zookeeper", zk, zk ? "session connected" : "session not connected (SUSPENDED, LOST or not yet connected)"));
        List<GraphRef> graphs = host.graphs();
        long done = graphs.stream().filter(GraphRef::checked).count();
        String progress = String.format(java.util.Locale.ROOT, "first pass: %,d/%,d graphs checked", done, graphs.size());
        if (graph == null) {
            checks.add(new Check("first_pass", done == graphs.size(), progress));
        } else {
            graphs = graphs.stream().filter(g -> graph.equals(g.graphId()) || graph.equals(g.root())).toList();
            if (graphs.isEmpty()) {
                throw new java.util.NoSuchElementException("no graph '" + graph + "' is configured");
            }
        }
        for (GraphRef g : graphs) {
            checks.add(check(host, g, progress));
        }
        return new Report(checks.stream().allMatch(Check::ok) ? "ready" : "not_ready", List.copyOf(checks));
    }

    private static Check check(MaintenanceHost host, GraphRef g, String progress) {
        String name = "graph:" + g.root();
        if (g.graphId() == null) {
            return new Check(name, false, "no readable manifest at this root (a typo in graphs:, or not initialised yet)");
        }
        if (!g.checked()) {
            return new Check(name, false, "graph " + g.graphId() + ": not checked since start yet (" + progress + ")");
        }
        Optional<PassRecord> last = host.lastPass(g.graphId());
        if (last.isPresent() && last.get().error() != null) {
            return new Check(name, false, "graph " + g.graphId() + ": the last pass (" + last.get().trigger() + ", "
                    + last.get().startedAt() + ") failed: " + last.get().error());
        }
        return new Check(name, true, "graph " + g.graphId() + (last.isPresent() ? ": last pass " + last.get().trigger()
                + " at " + last.get().startedAt() : ": checked, owned by another daemon"));
    }
}
