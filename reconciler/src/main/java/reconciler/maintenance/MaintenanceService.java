package reconciler.maintenance;

import com.codahale.metrics.Gauge;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The maintenance API behind HTTP and the CLI, over four rooms: the kinds registry
 * ({@link MaintenanceRegistry}), the job queue ({@link JobQueue}: one worker per graph, jobs of a
 * graph in submission order), state assembly ({@link StateAssembler}: each graph's
 * {@link MaintenanceState}) and the gauges derived from it ({@link GraphGauges}).
 *
 * <p>Gauges (all under {@code reconciler.graph.<graph>.}): {@code sidecars.pending},
 * {@code sidecars.deferred}, {@code sidecars.corrupt}, {@code sidecars.oldest_age_seconds},
 * {@code manifest_version}, {@code caught_up}, {@code table.<t>.drift},
 * {@code table.<t>.index.<i>.coverage}, {@code table.<t>.index.<i>.unindexed_rows} and
 * {@code maintenance.<kind>.progress}; and {@code reconciler.maintenance.queue.queued|running}.
 * Sidecar and drift gauges follow every pass (no extra storage request); index gauges follow the
 * last full observation (a state request or a maintenance job).
 */
public final class MaintenanceService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MaintenanceService.class);

    /** Jobs that may wait per graph. */
    public static final int MAX_QUEUED_PER_GRAPH = JobQueue.MAX_QUEUED_PER_GRAPH;
    /** Finished jobs kept for {@code GET /v1/jobs/{id}}. */
    public static final int RETAINED_JOBS = JobQueue.RETAINED_JOBS;

    private final MaintenanceHost host;
    private final MaintenanceRegistry registry = new MaintenanceRegistry();
    private final Duration shutdownTimeout;
    private final JobQueue queue;
    private final GraphGauges gauges;
    private final StateAssembler assembler;

    /**
     * Creates the service, registers {@code recover} and loads every {@link MaintenanceProvider} on
     * the class path.
     *
     * @param threadPrefix prefix of worker thread names
     * @param shutdownTimeout how long {@link #close()} waits for running jobs
     */
    public MaintenanceService(MaintenanceHost host, String threadPrefix, Duration shutdownTimeout) {
        this.host = host;
        this.shutdownTimeout = shutdownTimeout;
        this.queue = new JobQueue(host, threadPrefix);
        this.gauges = new GraphGauges(host);
        this.assembler = new StateAssembler(host, registry, queue);
        registry.register(new RecoverKind());
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        registry.loadProviders(cl != null ? cl : MaintenanceService.class.getClassLoader(), host);
        gauges.gauge("reconciler.maintenance.queue.queued", (Gauge<Integer>) () -> queue.count(MaintenanceJob.State.QUEUED));
        gauges.gauge("reconciler.maintenance.queue.running", (Gauge<Integer>) () -> queue.count(MaintenanceJob.State.RUNNING));
        graphsChanged();
    }

    /** The kinds registry (the indexer registers its kinds here or through a {@link MaintenanceProvider}). */
    public MaintenanceRegistry registry() {
        return registry;
    }

    /** The daemon's services. */
    public MaintenanceHost host() {
        return host;
    }

    /**
     * One advertised kind.
     *
     * @param name the kind
     * @param description what it does
     * @param reserved whether the name is reserved (analyze, compact, reindex)
     */
    public record KindView(String name, String description, boolean reserved) {
    }

    /** The advertised kinds, sorted by name. */
    public List<KindView> kinds() {
        return registry.advertised().stream()
                .map(k -> new KindView(k.name(), k.description(), MaintenanceKind.RESERVED.containsKey(k.name()))).toList();
    }

    /**
     * Queues a maintenance job.
     *
     * @param graph graph id (or the configured root)
     * @throws GraphNotFoundException if no configured graph matches
     * @throws UnsupportedMaintenanceKindException if the kind is not advertised
     * @throws TooManyJobsException if the graph's queue is full, or the service is stopping
     */
    public MaintenanceJob submit(String graph, String kindName)
            throws GraphNotFoundException, UnsupportedMaintenanceKindException, TooManyJobsException {
        MaintenanceKind kind = registry.require(kindName);
        GraphRef ref = resolve(graph);
        return queue.submit(ref, kind,
                () -> gauges.progressGauge(ref.graphId(), kind.name(), () -> queue.latestProgress(ref.graphId(), kind.name())),
                this::observe);
    }

    /** A job by id (finished jobs are kept until {@link #RETAINED_JOBS} newer ones finished). */
    public Optional<MaintenanceJob> job(String id) {
        return queue.job(id);
    }

    /** Known jobs, oldest first, optionally of one graph. */
    public List<MaintenanceJob> jobs(String graphOrNull) {
        return queue.jobs(graphOrNull);
    }

    /** The configured graph with that id (or root). @throws GraphNotFoundException if none */
    public GraphRef resolve(String graph) throws GraphNotFoundException {
        List<GraphRef> all = host.graphs();
        for (GraphRef g : all) {
            if (g.graphId() != null && g.graphId().equals(graph)) {
                return g;
            }
        }
        for (GraphRef g : all) {
            if (g.graphId() != null && g.root().equals(graph)) {
                return g;
            }
        }
        throw new GraphNotFoundException(graph, all.stream().map(g -> g.graphId() == null ? g.root() : g.graphId()).toList());
    }

    /** Observes one graph's maintenance state now. @throws GraphNotFoundException if it is not configured */
    public MaintenanceState state(String graph) throws GraphNotFoundException {
        return observe(resolve(graph));
    }

    /** Observes every configured graph's state now, in config order. */
    public List<MaintenanceState> states() {
        List<MaintenanceState> out = new ArrayList<>();
        for (GraphRef g : host.graphs()) {
            out.add(observe(g));
        }
        return out;
    }

    MaintenanceState observe(GraphRef ref) {
        return assembler.observe(ref, (status, state) -> gauges.onObservation(ref.graphId(), status, state));
    }

    /** Records a pass of the daemon (sidecar and drift gauges); no storage request. */
    public void onPass(String graphId, PassRecord pass) {
        if (graphId == null || pass.report() == null) {
            return;
        }
        gauges.onPass(graphId, pass.report().status());
    }

    /** Registers gauges of graphs added to the config and removes those of graphs removed. */
    public void graphsChanged() {
        gauges.graphsChanged();
    }

    /**
     * Stops: queued jobs are cancelled, running jobs are asked to stop and get up to the shutdown
     * timeout to finish, then their threads are interrupted. Gauges are removed.
     */
    @Override
    public void close() {
        boolean stopped = queue.close(shutdownTimeout);
        gauges.removeAll();
        if (stopped) {
            assembler.close();
        } else {
            LOG.warn("maintenance jobs still running after the shutdown timeout; leaving them to the JVM exit");
        }
    }
}
