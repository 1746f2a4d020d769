package reconciler.maintenance;

import reconciler.graph.Graph;

/**
 * What a {@link MaintenanceKind} gets for one run: the graph, the daemon's services, progress
 * reporting and the stop signal.
 */
public final class MaintenanceContext {

    private final MaintenanceJob job;
    private final GraphRef graph;
    private final MaintenanceHost host;

    MaintenanceContext(MaintenanceJob job, GraphRef graph, MaintenanceHost host) {
        this.job = job;
        this.graph = graph;
        this.host = host;
    }

    /** The job's id (a ULID). */
    public String jobId() {
        return job.id();
    }

    /** The graph's id (its manifest's {@code graphId}). */
    public String graphId() {
        return graph.graphId();
    }

    /** The graph root (a directory or an object-store URI). */
    public String root() {
        return graph.root();
    }

    /** The daemon's open handle on the graph (storage, manifests, sidecars, Lance tables). */
    public Graph graph() {
        return graph.graph();
    }

    /** The daemon's services: leases, metrics, a reconcile pass. */
    public MaintenanceHost host() {
        return host;
    }

    /**
     * Reports progress (shown in the job and as the gauge
     * {@code reconciler.graph.<g>.maintenance.<kind>.progress}).
     *
     * @param fraction 0..1
     * @param step what is being done, e.g. {@code "index name_idx on node:Package: 3/20 fragments"}
     */
    public void progress(double fraction, String step) {
        job.progress(Math.max(0, Math.min(1, fraction)), step);
    }

    /** True once the daemon is stopping: stop at the next safe point (leave nothing half-published). */
    public boolean stopping() {
        return job.stopRequested() || Thread.currentThread().isInterrupted();
    }
}
