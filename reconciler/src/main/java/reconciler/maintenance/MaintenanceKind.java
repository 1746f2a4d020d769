package reconciler.maintenance;

import java.util.Map;

/**
 * One kind of maintenance the daemon can run on a graph on request
 * ({@code POST /v1/graphs/{graph}/maintenance/{kind}}, {@code reconciler maintain GRAPH KIND}).
 *
 * <p><b>Advertising is a promise.</b> Only registered kinds are advertised
 * ({@code GET /v1/maintenance-kinds}), and benchmark harnesses call every advertised kind
 * (MemPalace RFC 001 §7.3), so register a kind only when it really does what its name says.
 * A request for a kind that is not registered fails with {@link UnsupportedMaintenanceKindException}
 * (HTTP 400, error type {@code UnsupportedMaintenanceKind}); it is never a silent no-op.
 *
 * <p><b>Reserved names</b> mean exactly what {@link #RESERVED} says; anything else is a kind of
 * this daemon's own ({@code recover}, {@code cleanup}, ...).
 *
 * <p><b>How to add one</b> (docs/maintenance.md, "Adding a kind"): implement this interface and
 * either register it on a running daemon ({@code daemon.maintenance().registry().register(kind)})
 * or ship a {@link MaintenanceProvider} listed in
 * {@code META-INF/services/reconciler.maintenance.MaintenanceProvider}; the daemon loads providers
 * from its class path when it starts.
 *
 * <p><b>Execution.</b> {@link #run} is called on a maintenance worker thread. Jobs of one graph run
 * one at a time in submission order (different graphs run in parallel). A kind that changes tables
 * must take the same leases writers take ({@link MaintenanceHost#leases()}), commit with the
 * protocol's transaction properties and publish through the manifest (docs/protocol.md), exactly
 * like a writer. It should report progress with {@link MaintenanceContext#progress} and stop at
 * the next safe point when {@link MaintenanceContext#stopping()} turns true (daemon shutdown).
 */
public interface MaintenanceKind {

    /** Reserved: refresh the statistics used for query planning and pruning. */
    String ANALYZE = "analyze";
    /** Reserved: rewrite storage and reclaim space. */
    String COMPACT = "compact";
    /** Reserved: rebuild or optimise secondary indexes to full coverage. */
    String REINDEX = "reindex";

    /** The reserved names and the meaning an implementation must have (MemPalace RFC 001 §7.3). */
    Map<String, String> RESERVED = Map.of(
            ANALYZE, "refresh statistics used for query planning and pruning",
            COMPACT, "rewrite storage and reclaim space",
            REINDEX, "rebuild or optimise secondary indexes to full coverage");

    /** The kind's name: {@code [a-z][a-z0-9_-]{0,63}}; stable, it is part of the API. */
    String name();

    /** One line for {@code GET /v1/maintenance-kinds}: what running it does. */
    String description();

    /**
     * Runs the maintenance on one graph and returns when it is done.
     *
     * @return a summary and kind-specific details (JSON-serialisable values), shown as the job's result
     * @throws Exception on failure: the job ends {@code failed} with the exception's message
     */
    MaintenanceResult run(MaintenanceContext context) throws Exception;

    /** The body of a kind made with {@link #of}. */
    @FunctionalInterface
    interface Body {
        /** @see MaintenanceKind#run */
        MaintenanceResult run(MaintenanceContext context) throws Exception;
    }

    /**
     * A kind from its name, description and body, for kinds with no state of their own. The job's
     * progress reads {@code (0, name)} until the body reports its own, and {@code (1, "done")} after it.
     *
     * @param name see {@link #name()}
     * @param description see {@link #description()}
     */
    static MaintenanceKind of(String name, String description, Body body) {
        return new MaintenanceKind() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String description() {
                return description;
            }

            @Override
            public MaintenanceResult run(MaintenanceContext context) throws Exception {
                context.progress(0, name);
                MaintenanceResult r = body.run(context);
                context.progress(1, "done");
                return r;
            }
        };
    }
}
