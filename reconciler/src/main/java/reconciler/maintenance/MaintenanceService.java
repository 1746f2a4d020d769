package reconciler.maintenance;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import com.github.f4b6a3.ulid.UlidCreator;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reconciler.core.GraphStatus;
import reconciler.manifest.Manifest;

/**
 * The maintenance API behind HTTP and the CLI: the registry of kinds, the job queue (one worker
 * per graph, jobs of a graph in submission order), each graph's maintenance state, and the gauges
 * derived from it.
 *
 * <p>Gauges (all under {@code reconciler.graph.<graph>.}): {@code sidecars.pending},
 * {@code sidecars.deferred}, {@code sidecars.corrupt}, {@code sidecars.oldest_age_seconds},
 * {@code manifest_version}, {@code caught_up}, {@code table.<t>.drift},
 * {@code table.<t>.index.<i>.coverage}, {@code table.<t>.index.<i>.unindexed_rows} and
 * {@code maintenance.<kind>.progress}. Sidecar and drift gauges follow every pass (no extra
 * storage request); index gauges follow the last full observation (a state request or a
 * maintenance job).
 */
public final class MaintenanceService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MaintenanceService.class);

    /** Jobs that may wait per graph. */
    public static final int MAX_QUEUED_PER_GRAPH = 16;
    /** Finished jobs kept for {@code GET /v1/jobs/{id}}. */
    public static final int RETAINED_JOBS = 500;

    private final MaintenanceHost host;
    private final MaintenanceRegistry registry = new MaintenanceRegistry();
    private final TableInspector inspector = new TableInspector();
    private final String threadPrefix;
    private final Duration shutdownTimeout;
    private final Map<String, MaintenanceJob> jobs = new ConcurrentHashMap<>();
    private final Deque<String> finishedOrder = new ConcurrentLinkedDeque<>();
    private final Map<String, ThreadPoolExecutor> workers = new ConcurrentHashMap<>();
    private final Map<String, Map<String, MaintenanceJob>> lastRuns = new ConcurrentHashMap<>();
    private final Map<String, Observation> observations = new ConcurrentHashMap<>();
    private final Set<String> gauges = ConcurrentHashMap.newKeySet();
    /** Ids of the graphs the host manages now (graphsChanged): gauges are only registered for these. */
    private volatile Set<String> managed = Set.of();
    /** Serialises gauge registration against graphsChanged's removals. */
    private final Object registration = new Object();
    private final AtomicInteger threads = new AtomicInteger();
    private volatile boolean closed;

    /** The latest knowledge of one graph, for gauges. */
    private static final class Observation {
        volatile GraphStatus status;
        volatile MaintenanceState full;
        /** Reasons from the last full observation that passes do not update (index coverage, contributors). */
        volatile List<String> other = List.of();
    }

    /**
     * Creates the service, registers {@code recover} and loads every {@link MaintenanceProvider} on
     * the class path.
     *
     * @param threadPrefix prefix of worker thread names
     * @param shutdownTimeout how long {@link #close()} waits for running jobs
     */
    public MaintenanceService(MaintenanceHost host, String threadPrefix, Duration shutdownTimeout) {
        this.host = host;
        this.threadPrefix = threadPrefix;
        this.shutdownTimeout = shutdownTimeout;
        registry.register(new RecoverKind());
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        registry.loadProviders(cl != null ? cl : MaintenanceService.class.getClassLoader(), host);
        gauge("reconciler.maintenance.queue.queued", () -> count(MaintenanceJob.State.QUEUED));
        gauge("reconciler.maintenance.queue.running", () -> count(MaintenanceJob.State.RUNNING));
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

    // ---------------------------------------------------------------- kinds

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

    // ---------------------------------------------------------------- jobs

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
        if (closed) {
            throw new TooManyJobsException("the daemon is stopping: no new maintenance jobs");
        }
        MaintenanceJob job = new MaintenanceJob(UlidCreator.getMonotonicUlid().toString(), ref.graphId(), kind.name());
        ThreadPoolExecutor worker = workers.computeIfAbsent(ref.graphId(), g -> {
            ThreadPoolExecutor ex = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(MAX_QUEUED_PER_GRAPH), r -> {
                Thread t = new Thread(r, threadPrefix + "-maintenance-" + threads.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            ex.allowCoreThreadTimeOut(true);
            return ex;
        });
        jobs.put(job.id(), job);
        try {
            worker.execute(() -> runJob(job, ref, kind));
        } catch (RejectedExecutionException e) {
            jobs.remove(job.id());
            throw new TooManyJobsException("graph '" + ref.graphId() + "' already has " + MAX_QUEUED_PER_GRAPH
                    + " maintenance jobs waiting; poll them and retry");
        }
        LOG.info("maintenance job={} graph={} kind={} queued", job.id(), job.graphId(), job.kind());
        return job;
    }

    private void runJob(MaintenanceJob job, GraphRef ref, MaintenanceKind kind) {
        if (!job.start()) {
            return; // cancelled while queued
        }
        MetricRegistry m = host.metrics();
        String base = MetricRegistry.name("reconciler", "maintenance", seg(kind.name()));
        gauge(MetricRegistry.name("reconciler", "graph", seg(ref.graphId()), "maintenance", seg(kind.name()), "progress"),
                () -> latestProgress(ref.graphId(), kind.name()));
        try (Timer.Context t = m.timer(MetricRegistry.name(base, "duration")).time()) {
            MaintenanceResult r = kind.run(new MaintenanceContext(job, ref, host));
            job.succeed(r == null ? new MaintenanceResult("done", Map.of()) : r);
        } catch (InterruptedException e) {
            job.fail(e);
            Thread.currentThread().interrupt();
        } catch (Exception | LinkageError | AssertionError e) {
            job.fail(e);
        }
        m.counter(MetricRegistry.name(base, job.state().json())).inc();
        MaintenanceJob.View v = job.view();
        if (job.state() == MaintenanceJob.State.SUCCEEDED) {
            LOG.info("maintenance job={} graph={} kind={} state=succeeded durationMs={}: {}", job.id(), job.graphId(), job.kind(),
                    v.durationMs(), v.summary());
        } else {
            LOG.warn("maintenance job={} graph={} kind={} state={} durationMs={}: {}", job.id(), job.graphId(), job.kind(),
                    v.state(), v.durationMs(), v.error() == null ? "" : v.error().message());
        }
        finished(job);
        if (!closed && !Thread.currentThread().isInterrupted()) {
            try {
                observe(ref); // index coverage and compaction changed: refresh the gauges
            } catch (RuntimeException e) {
                LOG.debug("state refresh after job {}: {}", job.id(), e.toString());
            }
        }
    }

    private void finished(MaintenanceJob job) {
        lastRuns.computeIfAbsent(job.graphId(), g -> new ConcurrentHashMap<>()).put(job.kind(), job);
        finishedOrder.addLast(job.id());
        while (finishedOrder.size() > RETAINED_JOBS) {
            String old = finishedOrder.pollFirst();
            if (old != null) {
                jobs.remove(old);
            }
        }
    }

    private double latestProgress(String graphId, String kind) {
        MaintenanceJob latest = null;
        for (MaintenanceJob j : jobs.values()) {
            if (j.graphId().equals(graphId) && j.kind().equals(kind) && j.state() == MaintenanceJob.State.RUNNING) {
                latest = j;
            }
        }
        if (latest != null) {
            return latest.progress();
        }
        MaintenanceJob last = lastRuns.getOrDefault(graphId, Map.of()).get(kind);
        return last == null ? Double.NaN : last.progress();
    }

    private int count(MaintenanceJob.State s) {
        int n = 0;
        for (MaintenanceJob j : jobs.values()) {
            n += j.state() == s ? 1 : 0;
        }
        return n;
    }

    /** A job by id (finished jobs are kept until {@link #RETAINED_JOBS} newer ones finished). */
    public Optional<MaintenanceJob> job(String id) {
        return Optional.ofNullable(id == null ? null : jobs.get(id));
    }

    /** Known jobs, oldest first, optionally of one graph. */
    public List<MaintenanceJob> jobs(String graphOrNull) {
        List<MaintenanceJob> out = new ArrayList<>();
        for (MaintenanceJob j : jobs.values()) {
            if (graphOrNull == null || graphOrNull.equals(j.graphId())) {
                out.add(j);
            }
        }
        out.sort(java.util.Comparator.comparing(MaintenanceJob::id));
        return out;
    }

    // ---------------------------------------------------------------- state

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

    /** Records a pass of the daemon (sidecar and drift gauges); no storage request. */
    public void onPass(String graphId, PassRecord pass) {
        if (graphId == null || pass.report() == null) {
            return;
        }
        synchronized (registration) {
            if (!isManaged(graphId)) {
                return; // a pass that finished after its graph was removed from the config
            }
            Observation o = observations.computeIfAbsent(graphId, g -> new Observation());
            o.status = pass.report().status();
            tableGauges(graphId, o.status, o.full);
        }
    }

    /** Registers gauges of graphs added to the config and removes those of graphs removed. */
    public void graphsChanged() {
        synchronized (registration) {
            graphsChangedLocked();
        }
    }

    /**
     * Whether the host manages the graph now. A graph whose id became known after the last
     * graphsChanged (its manifest appeared later) is looked up once and remembered. Call under
     * {@code registration}.
     */
    private boolean isManaged(String graphId) {
        if (managed.contains(graphId)) {
            return true;
        }
        for (GraphRef g : host.graphs()) {
            if (graphId.equals(g.graphId())) {
                Set<String> more = new java.util.HashSet<>(managed);
                more.add(graphId);
                managed = Set.copyOf(more);
                return true;
            }
        }
        return false;
    }

    private void graphsChangedLocked() {
        Set<String> ids = new java.util.HashSet<>();
        Set<String> segs = new java.util.HashSet<>();
        for (GraphRef g : host.graphs()) {
            if (g.graphId() != null) {
                ids.add(g.graphId());
                segs.add(seg(g.graphId()));
                graphGauges(g.graphId());
            }
        }
        managed = Set.copyOf(ids);
        for (String name : List.copyOf(gauges)) {
            if (name.startsWith("reconciler.graph.")) {
                String gid = name.substring("reconciler.graph.".length()).split("\\.", 2)[0];
                if (!segs.contains(gid)) { // a set: with 10,000 graphs a scan per gauge took minutes at start-up
                    host.metrics().remove(name);
                    gauges.remove(name);
                }
            }
        }
        observations.keySet().removeIf(id -> !ids.contains(id));
    }

    MaintenanceState observe(GraphRef ref) {
        Instant now = Instant.now();
        if (ref.graphId() == null) {
            return errorState(ref, now, "graph root " + ref.root() + " has no readable manifest");
        }
        GraphStatus status;
        Manifest manifest;
        try {
            status = GraphStatus.of(ref.graph());
            manifest = ref.graph().manifests().require();
        } catch (IOException | RuntimeException e) {
            return errorState(ref, now, "cannot read graph: " + e.getMessage());
        }
        Map<String, TableInspector.Inspection> inspections = new HashMap<>();
        Map<String, String> inspectErrors = new HashMap<>();
        for (GraphStatus.TableStatus t : status.tables()) {
            try {
                inspections.put(t.table(), inspector.inspect(ref.graph().store(), t.table(), t.pinnedVersion()));
            } catch (RuntimeException e) {
                inspectErrors.put(t.table(), "cannot inspect the pinned version: " + e.getMessage());
            }
        }
        List<MaintenanceStateContributor.IndexCoverage> declared = new ArrayList<>();
        Map<String, MaintenanceState.Compaction> compaction = new HashMap<>();
        List<String> backlog = new ArrayList<>();
        List<String> contributorNames = new ArrayList<>();
        for (MaintenanceStateContributor c : registry.contributors()) {
            contributorNames.add(c.name());
            try {
                declared.addAll(c.indexCoverage(ref, manifest));
                for (MaintenanceStateContributor.CompactionInfo ci : c.compaction(ref, manifest)) {
                    TableInspector.Inspection in = inspections.get(ci.table());
                    compaction.put(ci.table(), new MaintenanceState.Compaction(in == null ? 0 : in.fragments(), in == null ? 0 : in.rows(),
                            in == null ? 0 : in.deletedRows(), ci.needed(), ci.detail(), c.name()));
                }
                for (String b : c.backlog(ref, manifest)) {
                    backlog.add(c.name() + ": " + b);
                }
            } catch (Exception e) {
                backlog.add("state contributor " + c.name() + " failed: " + e.getMessage());
            }
        }
        Optional<String> owner;
        try {
            owner = host.owner(ref.graphId());
        } catch (RuntimeException e) {
            owner = Optional.empty();
        }
        MaintenanceState s = assemble(ref, status, inspections, inspectErrors, declared, compaction, backlog, contributorNames,
                owner.orElse(null), now);
        Observation o = observations.computeIfAbsent(ref.graphId(), g -> new Observation());
        List<String> other = new ArrayList<>(s.notCaughtUp());
        other.removeAll(sidecarAndDriftReasons(status));
        o.status = status;
        o.full = s;
        o.other = List.copyOf(other);
        synchronized (registration) {
            if (isManaged(ref.graphId())) { // not re-registered for a graph removed meanwhile
                graphGauges(ref.graphId());
                tableGauges(ref.graphId(), status, s);
            }
        }
        return s;
    }

    private MaintenanceState errorState(GraphRef ref, Instant now, String error) {
        return new MaintenanceState(MaintenanceState.FORMAT_VERSION, ref.graphId(), ref.root(), now.toString(), null, null, false,
                new MaintenanceState.Sidecars(0, 0, 0, null, null, List.of(), List.of()), List.of(), kindStates(ref.graphId()),
                background(ref.graphId()), false, List.of("state could not be observed: " + error),
                registry.contributors().stream().map(MaintenanceStateContributor::name).toList(), error);
    }

    private MaintenanceState assemble(GraphRef ref, GraphStatus status, Map<String, TableInspector.Inspection> inspections,
                                      Map<String, String> inspectErrors, List<MaintenanceStateContributor.IndexCoverage> declared,
                                      Map<String, MaintenanceState.Compaction> compaction, List<String> backlog,
                                      List<String> contributorNames, String owner, Instant now) {
        List<String> reasons = new ArrayList<>(sidecarAndDriftReasons(status));
        MaintenanceState.Sidecars sidecars = sidecars(status, now);
        List<MaintenanceState.TableState> tables = new ArrayList<>();
        for (GraphStatus.TableStatus t : status.tables()) {
            TableInspector.Inspection in = inspections.get(t.table());
            Map<String, MaintenanceState.IndexState> idx = new LinkedHashMap<>();
            if (in != null) {
                in.indexes().forEach(i -> idx.put(i.name(), i));
            }
            for (MaintenanceStateContributor.IndexCoverage d : declared) {
                if (!d.table().equals(t.table())) {
                    continue;
                }
                MaintenanceState.IndexState seen = idx.get(d.index());
                double cov = d.rowsTotal() == 0 ? (d.exists() ? 1.0 : 0.0) : (double) d.rowsIndexed() / d.rowsTotal();
                idx.put(d.index(), new MaintenanceState.IndexState(d.index(), d.column(), d.type(), true, d.exists(), d.rowsIndexed(),
                        d.rowsTotal(), cov, d.uncoveredFragments(), seen == null ? null : seen.segments()));
                if (!d.exists()) {
                    reasons.add("declared index " + d.index() + " on " + t.table() + " does not exist yet");
                } else if (d.rowsIndexed() < d.rowsTotal() || d.uncoveredFragments() > 0) {
                    reasons.add("index " + d.index() + " on " + t.table() + " covers " + d.rowsIndexed() + " of " + d.rowsTotal()
                            + " rows (" + d.uncoveredFragments() + " uncovered fragment(s))");
                }
            }
            MaintenanceState.Compaction comp = compaction.get(t.table());
            if (comp == null && in != null) {
                comp = new MaintenanceState.Compaction(in.fragments(), in.rows(), in.deletedRows(), null, null, "observed");
            }
            tables.add(new MaintenanceState.TableState(t.table(), t.pinnedVersion(), t.headVersion(), t.drift(),
                    in == null ? null : in.rows(), in == null ? null : in.fragments(), in == null ? null : in.deletedRows(),
                    List.copyOf(idx.values()), comp, inspectErrors.get(t.table())));
        }
        reasons.addAll(backlog);
        return new MaintenanceState(MaintenanceState.FORMAT_VERSION, status.graphId(), ref.root(), now.toString(),
                status.manifestVersion(), owner, owner != null && owner.equals(host.memberId()), sidecars, tables,
                kindStates(ref.graphId()), background(ref.graphId()), reasons.isEmpty(), reasons, contributorNames, null);
    }

    private static List<String> sidecarAndDriftReasons(GraphStatus status) {
        List<String> reasons = new ArrayList<>();
        int deferred = (int) status.sidecars().stream().filter(GraphStatus.SidecarStatus::deferred).count();
        if (!status.sidecars().isEmpty()) {
            reasons.add(status.sidecars().size() + " pending sidecar(s)" + (deferred > 0 ? ", " + deferred + " of them deferred" : ""));
        }
        if (!status.corruptSidecars().isEmpty()) {
            reasons.add(status.corruptSidecars().size() + " corrupt sidecar file(s) (an operator must inspect them)");
        }
        for (GraphStatus.TableStatus t : status.tables()) {
            if (t.drift() != 0) {
                reasons.add("table " + t.table() + ": Lance HEAD v" + t.headVersion() + " differs from the pin v" + t.pinnedVersion()
                        + " (drift " + t.drift() + ")");
            }
        }
        return reasons;
    }

    private static MaintenanceState.Sidecars sidecars(GraphStatus status, Instant now) {
        List<MaintenanceState.SidecarItem> items = new ArrayList<>();
        Double oldestAge = null;
        String oldestOp = null;
        int deferred = 0;
        for (GraphStatus.SidecarStatus p : status.sidecars()) {
            double age = ageSeconds(p.createdAt(), now);
            items.add(new MaintenanceState.SidecarItem(p.operationId(), p.createdAt(), age, p.tables(), p.decision(), p.deferred()));
            deferred += p.deferred() ? 1 : 0;
            if (oldestAge == null || age > oldestAge) {
                oldestAge = age;
                oldestOp = p.operationId();
            }
        }
        return new MaintenanceState.Sidecars(status.sidecars().size(), deferred, status.corruptSidecars().size(), oldestAge, oldestOp,
                items, status.corruptSidecars().stream().map(GraphStatus.CorruptSidecar::key).toList());
    }

    private static double ageSeconds(String createdAt, Instant now) {
        try {
            return Math.max(0, Duration.between(Instant.parse(createdAt), now).toMillis() / 1000.0);
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private Map<String, MaintenanceState.KindState> kindStates(String graphId) {
        Map<String, MaintenanceState.KindState> out = new LinkedHashMap<>();
        Map<String, MaintenanceJob> last = graphId == null ? Map.of() : lastRuns.getOrDefault(graphId, Map.of());
        Collection<MaintenanceJob> all = jobs.values();
        for (String k : registry.names()) {
            MaintenanceJob l = last.get(k);
            MaintenanceState.LastRun lr = null;
            if (l != null) {
                MaintenanceJob.View v = l.view();
                lr = new MaintenanceState.LastRun(v.id(), v.state(), v.startedAt(), v.finishedAt(), v.durationMs(), v.summary(),
                        v.error() == null ? null : v.error().message());
            }
            String running = null;
            int queued = 0;
            for (MaintenanceJob j : all) {
                if (j.kind().equals(k) && j.graphId().equals(graphId)) {
                    if (j.state() == MaintenanceJob.State.RUNNING) {
                        running = j.id();
                    } else if (j.state() == MaintenanceJob.State.QUEUED) {
                        queued++;
                    }
                }
            }
            out.put(k, new MaintenanceState.KindState(lr, running, queued));
        }
        return out;
    }

    private MaintenanceState.Background background(String graphId) {
        MaintenanceState.PassSummary ps = null;
        Optional<PassRecord> p = graphId == null ? Optional.empty() : host.lastPass(graphId);
        if (p.isPresent()) {
            PassRecord r = p.get();
            ps = new MaintenanceState.PassSummary(r.trigger(), r.startedAt().toString(), r.durationMillis(),
                    r.report() == null ? null : r.report().converged(), r.error());
        }
        return new MaintenanceState.Background(ps, host.pollInterval().toString(), host.eventDriven());
    }

    // ---------------------------------------------------------------- gauges

    /** A metric-name segment: dots and odd characters become underscores. */
    static String seg(String s) {
        return s == null ? "unknown" : s.replaceAll("[^A-Za-z0-9_:-]", "_");
    }

    private void gauge(String name, Gauge<?> g) {
        if (gauges.add(name)) {
            try {
                host.metrics().register(name, g);
            } catch (IllegalArgumentException e) {
                // already registered (another service on the same registry); keep it
            }
        }
    }

    private void graphGauges(String graphId) {
        String p = MetricRegistry.name("reconciler", "graph", seg(graphId));
        statusGauge(graphId, p + ".sidecars.pending", s -> s.sidecars().size());
        statusGauge(graphId, p + ".sidecars.deferred", s -> s.sidecars().stream().filter(GraphStatus.SidecarStatus::deferred).count());
        statusGauge(graphId, p + ".sidecars.corrupt", s -> s.corruptSidecars().size());
        statusGauge(graphId, p + ".sidecars.oldest_age_seconds", s -> {
            Instant now = Instant.now();
            return s.sidecars().stream().mapToDouble(x -> ageSeconds(x.createdAt(), now)).max().orElse(0);
        });
        statusGauge(graphId, p + ".manifest_version", GraphStatus::manifestVersion);
        gauge(p + ".caught_up", (Gauge<Double>) () -> {
            Observation o = observations.get(graphId);
            if (o == null || o.status == null) {
                return Double.NaN;
            }
            // sidecars and drift from the last pass; index coverage and contributor backlog from the last full observation
            return sidecarAndDriftReasons(o.status).isEmpty() && o.other.isEmpty() ? 1.0 : 0.0;
        });
    }

    private void statusGauge(String graphId, String name, ToDoubleFunction<GraphStatus> f) {
        gauge(name, (Gauge<Double>) () -> {
            Observation o = observations.get(graphId);
            GraphStatus s = o == null ? null : o.status;
            return s == null ? Double.NaN : f.applyAsDouble(s);
        });
    }

    private void tableGauges(String graphId, GraphStatus status, MaintenanceState full) {
        String p = MetricRegistry.name("reconciler", "graph", seg(graphId), "table");
        for (GraphStatus.TableStatus t : status.tables()) {
            String table = t.table();
            statusGauge(graphId, MetricRegistry.name(p, seg(table), "drift"), s -> s.tables().stream()
                    .filter(x -> x.table().equals(table)).mapToDouble(GraphStatus.TableStatus::drift).findFirst().orElse(Double.NaN));
        }
        if (full == null) {
            return;
        }
        for (MaintenanceState.TableState t : full.tables()) {
            for (MaintenanceState.IndexState i : t.indexes()) {
                String table = t.table();
                String index = i.name();
                String ip = MetricRegistry.name(p, seg(table), "index", seg(index));
                gauge(ip + ".coverage", (Gauge<Double>) () -> indexValue(graphId, table, index, x -> x.coverage()));
                gauge(ip + ".unindexed_rows", (Gauge<Double>) () -> indexValue(graphId, table, index, x -> x.rowsTotal() - x.rowsIndexed()));
            }
        }
    }

    private double indexValue(String graphId, String table, String index, ToDoubleFunction<MaintenanceState.IndexState> f) {
        Observation o = observations.get(graphId);
        MaintenanceState s = o == null ? null : o.full;
        if (s == null) {
            return Double.NaN;
        }
        for (MaintenanceState.TableState t : s.tables()) {
            if (t.table().equals(table)) {
                for (MaintenanceState.IndexState i : t.indexes()) {
                    if (i.name().equals(index)) {
                        return f.applyAsDouble(i);
                    }
                }
            }
        }
        return Double.NaN;
    }

    // ---------------------------------------------------------------- stop

    /**
     * Stops: queued jobs are cancelled, running jobs are asked to stop and get up to the shutdown
     * timeout to finish, then their threads are interrupted. Gauges are removed.
     */
    @Override
    public void close() {
        closed = true;
        for (MaintenanceJob j : jobs.values()) {
            if (j.cancel("the daemon is stopping")) {
                finished(j);
            }
            j.requestStop();
        }
        workers.values().forEach(ThreadPoolExecutor::shutdown);
        long deadline = System.nanoTime() + shutdownTimeout.toNanos();
        boolean stopped = true;
        for (ThreadPoolExecutor w : workers.values()) {
            try {
                if (!w.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    w.shutdownNow();
                    stopped &= w.awaitTermination(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                w.shutdownNow();
                stopped = false;
                Thread.currentThread().interrupt();
            }
        }
        for (String name : gauges) {
            host.metrics().remove(name);
        }
        gauges.clear();
        if (stopped) {
            inspector.close();
        } else {
            LOG.warn("maintenance jobs still running after the shutdown timeout; leaving them to the JVM exit");
        }
    }
}
