package reconciler.daemon;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDataMap;
import org.quartz.JobExecutionContext;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reconciler.core.AuditLog;
import reconciler.core.ReconcilePass;
import reconciler.core.Recoverer;
import reconciler.leases.GraphEvents;
import reconciler.leases.LeaseException;
import reconciler.leases.Membership;
import reconciler.manifest.Manifest;
import reconciler.graph.Graph;

/**
 * The reconciler daemon.
 *
 * <p><b>Scheduling.</b> One Quartz job per graph root ({@link DisallowConcurrentExecution}: never two
 * passes of one graph at once). Passes are triggered by ZooKeeper events ({@link GraphEvents}: a
 * writer's change signal, a lease node vanishing) and by a safety poll every {@code pollInterval}.
 * Event-triggered passes do not wait for busy leases (the release is itself an event); polled passes
 * wait up to {@code leaseWait}. Events arriving while a pass is queued are coalesced.
 *
 * <p><b>Several daemons.</b> Each joins a {@link Membership}; a graph is reconciled only by the
 * daemon that owns it (rendezvous assignment over the live members, claimed through an ephemeral
 * owner znode). Graphs rebalance when a daemon joins or dies. {@link #runOnce()} ignores
 * ownership: it is an operator's explicit request (and safe beside a daemon: every step takes the
 * same leases).
 *
 * <p><b>Stopping.</b> {@link #close()} waits for running passes to finish their current step, then
 * releases leases and ownership and stops ZooKeeper: recovery steps are idempotent and the sidecar
 * is deleted last, so nothing is left half-done without its sidecar.
 */
public final class Daemon implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
    private static final ConcurrentHashMap<String, Daemon> INSTANCES = new ConcurrentHashMap<>();

    /** Pass triggers (metric names {@code reconciler.passes.<trigger>}). */
    public static final String WATCH = "watch";
    public static final String POLL = "poll";
    public static final String ONCE = "once";

    private final Config config;
    private final Coordination coordination;
    private final Recoverer recoverer;
    private final ReconcilePass pass;
    // copy-on-write: reloadGraphs() appends while passes, events and rebalances iterate (handles are never removed, only retired)
    private final List<GraphHandle> graphs = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final String id = UUID.randomUUID().toString();
    private final String memberId;
    private final MetricRegistry metrics;
    private volatile boolean closing;
    private final ExecutorService indexExecutor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "reconciler-index");
        t.setDaemon(true);
        return t;
    });
    private final ExecutorService rebalancer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "reconciler-rebalance");
        t.setDaemon(true);
        return t;
    });
    private Scheduler scheduler;
    private Membership membership;
    private GraphEvents events;
    private LivenessHook liveness;

    /** One configured graph root. */
    static final class GraphHandle {
        final int index;
        final Graph graph;
        final JobKey job;
        final AtomicBoolean queued = new AtomicBoolean();
        final AtomicBoolean indexing = new AtomicBoolean();
        volatile String graphId;
        /** Removed from the config by a reload: no job, not claimed, not served (issue #5). */
        volatile boolean retired;
        /** The root as listed in the config (set on the first reload). */
        volatile String configuredRoot;
        /** The last pass over this graph (maintenance state, issue #5). */
        volatile reconciler.maintenance.PassRecord lastPass;

        GraphHandle(int index, Graph graph) {
            this.index = index;
            this.graph = graph;
            this.job = JobKey.jobKey("graph-" + index);
        }

        String graphId() {
            if (graphId == null) {
                try {
                    graphId = graph.manifests().latest().map(Manifest::graphId).orElse(null);
                } catch (IOException e) {
                    LOG.warn("graph root {}: cannot read its manifest: {}", graph.store().root(), e.toString());
                }
            }
            return graphId;
        }
    }

    /** @throws Exception if ZooKeeper cannot be reached or started */
    public Daemon(Config config) throws Exception {
        this(config, new MetricRegistry());
    }

    /**
     * @param metrics registry for the daemon's metrics ({@code reconciler.*})
     * @throws Exception if ZooKeeper cannot be reached or started
     */
    public Daemon(Config config, MetricRegistry metrics) throws Exception {
        this.config = config;
        this.metrics = metrics;
        this.coordination = Coordination.open(config, true);
        this.recoverer = new Recoverer(coordination.leases(), new AuditLog(Path.of(config.auditLog)), config.leaseWait);
        this.pass = new ReconcilePass(recoverer);
        for (int i = 0; i < config.graphs.size(); i++) {
            graphs.add(new GraphHandle(i, Roots.open(config.graphs.get(i), config)));
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown";
        }
        this.memberId = host + ":" + ProcessHandle.current().pid() + ":" + id.substring(0, 8);
        metrics.gauge("reconciler.storage.requests", () -> reconciler.storage.StorageStats::total);
        Timer leaseWait = metrics.timer("reconciler.leases.wait");
        com.codahale.metrics.Counter leaseTimeouts = metrics.counter("reconciler.leases.timeouts");
        coordination.leases().setAcquireObserver((acquired, graphId, tables, waitNanos) -> {
            if (acquired) {
                leaseWait.update(waitNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
            } else {
                leaseTimeouts.inc();
            }
        });
    }

    /** This daemon's member id ({@code host:pid:id}). */
    public String memberId() {
        return memberId;
    }

    /** The metrics registry. */
    public MetricRegistry metrics() {
        return metrics;
    }

    /** The coordination (ZooKeeper) handle. */
    public Coordination coordination() {
        return coordination;
    }

    /**
     * Runs one pass over every graph, sequentially, regardless of ownership, waiting up to
     * {@code leaseWait} for busy leases.
     *
     * @return one report per graph root, in config order; a graph whose pass failed has a null report
     */
    public List<ReconcilePass.Report> runOnce() throws InterruptedException {
        List<ReconcilePass.Report> out = new ArrayList<>();
        for (GraphHandle g : graphs) {
            out.add(passOver(g, ONCE));
        }
        return out;
    }

    ReconcilePass.Report passOver(GraphHandle g, String trigger) throws InterruptedException {
        metrics.counter(MetricRegistry.name("reconciler", "passes", trigger)).inc();
        java.time.Instant passStart = java.time.Instant.now();
        long passNanos = System.nanoTime();
        try (Timer.Context t = metrics.timer("reconciler.pass").time()) {
            ReconcilePass.Report r = pass.run(g.graph, WATCH.equals(trigger) ? Duration.ZERO : null);
            for (Recoverer.Result x : r.results()) {
                metrics.counter(MetricRegistry.name("reconciler", "sidecars", x.status().name().toLowerCase())).inc();
                if (x.action() != null) {
                    metrics.counter(MetricRegistry.name("reconciler", "decisions", x.action().name().toLowerCase())).inc();
                }
            }
            LOG.info("pass over {} ({}): manifest v{}, {} item(s) handled, converged={}", g.graph.store().root(), trigger,
                    r.status().manifestVersion(), r.results().size(), r.converged());
            recordPass(g, new reconciler.maintenance.PassRecord(trigger, passStart, (System.nanoTime() - passNanos) / 1_000_000, r, null));
            if (r.converged() && (WATCH.equals(trigger) || POLL.equals(trigger))) {
                convergeIndexesInBackground(g);
            }
            return r;
        } catch (IOException | RuntimeException e) {
            metrics.counter("reconciler.passes.failed").inc();
            LOG.error("pass over {} failed: {}", g.graph.store().root(), e.toString());
            recordPass(g, new reconciler.maintenance.PassRecord(trigger, passStart, (System.nanoTime() - passNanos) / 1_000_000, null,
                    e.toString()));
            return null;
        }
    }

    /**
     * Derived index coverage converges by itself (docs/indexes.md): after a converged pass, if any
     * declared index is not covered at the pins, one converge round runs on the daemon's index
     * thread (staged builds outside the lease; only the commit and publish take it). At most one
     * round per graph at a time; passes and recovery never wait for a build.
     */
    private void convergeIndexesInBackground(GraphHandle g) {
        if (!config.indexes || closing || !g.indexing.compareAndSet(false, true)) {
            return;
        }
        try {
            indexExecutor.execute(() -> {
                try {
                    reconciler.indexer.IndexMaintenance im = reconciler.maintenance.IndexerProvider.maintenance();
                    if (!im.coverage(g.graph).converged()) {
                        reconciler.indexer.ConvergeReport rep = im.converge(g.graph, coordination.leases());
                        metrics.counter("reconciler.index.converge_rounds").inc();
                        LOG.info("index convergence on {}: {} action(s), converged={}", g.graph.store().root(), rep.actions().size(),
                                rep.converged());
                        if (!rep.converged() && !rep.actions().isEmpty() && g.graphId != null) {
                            onEvent(g.graphId); // progress was made: another pass, then another round
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Exception e) {
                    LOG.warn("index convergence on {} failed, will retry on the next pass: {}", g.graph.store().root(), e.toString());
                } finally {
                    g.indexing.set(false);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            g.indexing.set(false);
        }
    }

    /** Schedules the passes, starts watching and joins the membership; returns at once. @throws SchedulerException */
    public void start() throws SchedulerException, InterruptedException {
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", "reconciler-" + id);
        p.setProperty("org.quartz.threadPool.threadCount", Integer.toString(Math.max(2, Math.min(graphs.size() + 1, 4))));
        p.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        scheduler = new StdSchedulerFactory(p).getScheduler();
        INSTANCES.put(id, this);
        for (GraphHandle g : graphs) {
            scheduler.addJob(JobBuilder.newJob(PassJob.class).withIdentity(g.job).storeDurably()
                    .usingJobData("daemon", id).usingJobData("graph", g.index).build(), false);
            scheduler.scheduleJob(TriggerBuilder.newTrigger().withIdentity("poll-" + g.index).forJob(g.job)
                    .usingJobData("trigger", POLL).startNow()
                    .withSchedule(SimpleScheduleBuilder.simpleSchedule()
                            .withIntervalInMilliseconds(config.pollInterval.toMillis()).repeatForever()
                            .withMisfireHandlingInstructionNowWithExistingCount())
                    .build());
        }
        // Ownership is re-checked on every membership change and, as a safety net, once per poll interval.
        scheduler.scheduleJob(JobBuilder.newJob(RebalanceJob.class).withIdentity("rebalance").usingJobData("daemon", id).build(),
                TriggerBuilder.newTrigger().withIdentity("rebalance").startAt(new java.util.Date(System.currentTimeMillis()
                                + config.pollInterval.toMillis()))
                        .withSchedule(SimpleScheduleBuilder.simpleSchedule().withIntervalInMilliseconds(config.pollInterval.toMillis())
                                .repeatForever().withMisfireHandlingInstructionNowWithExistingCount()).build());
        membership = new Membership(coordination.leases(), memberId, () -> rebalancer.execute(this::rebalance));
        membership.awaitRegistered(config.zookeeper.connectTimeout);
        rebalance();
        if (config.events) {
            events = new GraphEvents(coordination.leases(), e -> onEvent(e.graphId()));
        }
        liveness = LivenessHook.start(coordination, config, metrics, this::onEvent);
        // A step that failed while ZooKeeper was SUSPENDED is retried by nothing else until the safety poll
        // (it/EnsembleStormIT: sidecars left for the whole poll interval after a leader change): pass again on RECONNECTED.
        coordination.leases().client().getConnectionStateListenable().addListener((c, state) -> {
            if (state == org.apache.curator.framework.state.ConnectionState.RECONNECTED && !closing) {
                LOG.info("ZooKeeper RECONNECTED: a pass over every graph (steps that failed meanwhile are retried)");
                graphs.stream().map(g -> g.graphId).filter(java.util.Objects::nonNull).distinct().forEach(this::onEvent);
            }
        });
        scheduler.start();
        LOG.info("reconciler {} started: {} graph(s), safety poll every {}, events {}", memberId, graphs.size(),
                config.pollInterval, config.events ? "on" : "off");
        startMaintenanceApi();
    }

    private void onEvent(String graphId) {
        for (GraphHandle g : graphs) {
            if (!g.retired && graphId.equals(g.graphId) && g.queued.compareAndSet(false, true)) {
                try {
                    JobDataMap data = new JobDataMap();
                    data.put("trigger", WATCH);
                    scheduler.triggerJob(g.job, data);
                } catch (SchedulerException e) {
                    g.queued.set(false);
                    LOG.warn("cannot trigger a pass for graph '{}': {}", graphId, e.toString());
                }
            }
        }
    }

    /** Claims the graphs assigned to this daemon and releases the others. */
    void rebalance() {
        if (membership == null || scheduler == null || !coordination.leases().isConnected()) {
            return;
        }
        List<String> members = membership.members();
        for (GraphHandle g : graphs) {
            String gid = g.graphId();
            if (gid == null || g.retired) {
                continue;
            }
            Optional<String> assigned = Membership.assign(gid, members);
            try {
                if (assigned.isPresent() && assigned.get().equals(memberId)) {
                    boolean ownedBefore = membership.ownsHere(gid);
                    if (membership.claim(gid) && !ownedBefore && scheduler.isStarted()) {
                        onEvent(gid); // a graph taken over from another daemon gets a pass at once
                    }
                } else {
                    membership.release(gid);
                }
            } catch (LeaseException | SchedulerException e) {
                LOG.warn("rebalance of graph '{}': {}", gid, e.toString());
            }
        }
    }

    /** Whether this daemon owns a graph now (checked in ZooKeeper). */
    boolean owns(GraphHandle g) {
        String gid = g.graphId();
        if (gid == null || membership == null) {
            return false;
        }
        try {
            return membership.ownsHere(gid) || (membership.assignedHere(gid) && membership.claim(gid));
        } catch (LeaseException e) {
            LOG.warn("ownership of graph '{}' unknown: {}", gid, e.toString());
            return false;
        }
    }

    /** Blocks until {@code stop} counts down (e.g. from a SIGTERM shutdown hook). */
    public void awaitStop(CountDownLatch stop) throws InterruptedException {
        stop.await();
    }

    @Override
    public void close() {
        Thread watchdog = armShutdownWatchdog();
        closing = true;
        stopMaintenanceApi();
        try {
            if (scheduler != null) {
                scheduler.shutdown(true);
            }
        } catch (SchedulerException e) {
            LOG.warn("scheduler shutdown: {}", e.toString());
        }
        INSTANCES.remove(id);
        rebalancer.shutdownNow();
        indexExecutor.shutdown();
        try {
            // a running build finishes its current step; its sidecar covers anything half done
            if (!indexExecutor.awaitTermination(Math.max(1, config.shutdownTimeout.toSeconds() / 2), java.util.concurrent.TimeUnit.SECONDS)) {
                indexExecutor.shutdownNow();
            }
        } catch (InterruptedException e) {
            indexExecutor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        if (events != null) {
            events.close();
        }
        if (liveness != null) {
            liveness.close();
        }
        if (membership != null) {
            for (GraphHandle g : graphs) {
                if (g.graphId != null) {
                    membership.release(g.graphId);
                }
            }
            membership.close();
        }
        coordination.close();
        graphs.forEach(g -> g.graph.close());
        watchdog.interrupt();
        LOG.info("reconciler stopped");
    }

    /** Quartz job: one pass over one graph, if this daemon owns it. */
    @DisallowConcurrentExecution
    public static final class PassJob implements Job {
        @Override
        public void execute(JobExecutionContext ctx) {
            Map<String, Object> data = ctx.getMergedJobDataMap();
            Daemon d = INSTANCES.get((String) data.get("daemon"));
            if (d == null) {
                return;
            }
            GraphHandle g = d.graphs.get((Integer) data.get("graph"));
            g.queued.set(false);
            String trigger = String.valueOf(data.getOrDefault("trigger", POLL));
            if (!d.owns(g)) {
                d.metrics.counter("reconciler.passes.skipped_not_owner").inc();
                return;
            }
            try {
                d.passOver(g, trigger);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Quartz job: re-check graph ownership against the live members. */
    @DisallowConcurrentExecution
    public static final class RebalanceJob implements Job {
        @Override
        public void execute(JobExecutionContext ctx) {
            Daemon d = INSTANCES.get(ctx.getMergedJobDataMap().getString("daemon"));
            if (d != null) {
                d.rebalance();
            }
        }
    }

    /** Counter helper for tests and the status API. */
    public long count(String name) {
        Counter c = metrics.getCounters().get(name);
        return c == null ? 0 : c.getCount();
    }

    // ------------------------------------------------------------------------------------------
    // Issue #5: maintenance API (docs/maintenance.md), HTTP server, JMX, reload of the graph list,
    // bounded graceful stop. Everything below is new; the code above only calls into it.

    /** Pass trigger of a {@code recover} maintenance job (metric {@code reconciler.passes.maintenance}). */
    public static final String MAINTENANCE = "maintenance";

    private final Object maintenanceLock = new Object();
    private final Object reloadLock = new Object();
    private volatile reconciler.maintenance.MaintenanceService maintenanceService;
    private volatile reconciler.http.HttpApiServer httpServer;
    private volatile com.codahale.metrics.jmx.JmxReporter jmxReporter;

    /** The configuration this daemon runs with. */
    public Config config() {
        return config;
    }

    /** The maintenance service (kinds registry, jobs, maintenance state); created on first use. */
    public reconciler.maintenance.MaintenanceService maintenance() {
        reconciler.maintenance.MaintenanceService m = maintenanceService;
        if (m == null) {
            synchronized (maintenanceLock) {
                if (maintenanceService == null) {
                    maintenanceService = new reconciler.maintenance.MaintenanceService(new reconciler.maintenance.DaemonHost(this),
                            "reconciler-" + id, config.shutdownTimeout);
                }
                m = maintenanceService;
            }
        }
        return m;
    }

    /** The port the HTTP API listens on, or -1 when it is off. */
    public int httpPort() {
        reconciler.http.HttpApiServer h = httpServer;
        return h == null ? -1 : h.port();
    }

    /** The configured (not retired) graphs, in config order. */
    public List<reconciler.maintenance.GraphRef> managedGraphs() {
        List<reconciler.maintenance.GraphRef> out = new ArrayList<>();
        for (GraphHandle g : graphs) {
            if (!g.retired) {
                out.add(new reconciler.maintenance.GraphRef(g.graphId(), rootOf(g), g.graph));
            }
        }
        return out;
    }

    /** The last pass of this daemon over a graph. */
    public Optional<reconciler.maintenance.PassRecord> lastPass(String graphId) {
        return handle(graphId).map(g -> g.lastPass);
    }

    /** The daemon owning a graph, read from ZooKeeper; empty when none or unknown. */
    public Optional<String> ownerOf(String graphId) {
        try {
            return Membership.owner(coordination.leases(), graphId);
        } catch (LeaseException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * One pass over a graph now, trigger {@code maintenance}, regardless of ownership (like
     * {@code run --once}; safe beside a scheduled pass: every step takes the same leases).
     *
     * @throws java.util.NoSuchElementException if no configured graph has that id
     * @throws IOException if the pass failed
     */
    public ReconcilePass.Report maintenancePass(String graphId) throws IOException, InterruptedException {
        GraphHandle g = handle(graphId).orElseThrow(() -> new java.util.NoSuchElementException("no graph '" + graphId + "' is configured"));
        ReconcilePass.Report r = passOver(g, MAINTENANCE);
        if (r == null) {
            reconciler.maintenance.PassRecord p = g.lastPass;
            throw new IOException("reconcile pass over " + rootOf(g) + " failed: " + (p == null || p.error() == null ? "see the log" : p.error()));
        }
        return r;
    }

    private Optional<GraphHandle> handle(String graphId) {
        for (GraphHandle g : graphs) {
            if (!g.retired && graphId != null && graphId.equals(g.graphId())) {
                return Optional.of(g);
            }
        }
        return Optional.empty();
    }

    private String rootOf(GraphHandle g) {
        String r = g.configuredRoot;
        return r != null ? r : g.index < config.graphs.size() ? config.graphs.get(g.index) : g.graph.store().root();
    }

    private void recordPass(GraphHandle g, reconciler.maintenance.PassRecord p) {
        g.lastPass = p;
        reconciler.maintenance.MaintenanceService m = maintenanceService;
        if (m != null) {
            m.onPass(g.graphId(), p);
        }
    }

    /**
     * Re-reads {@code graphs} from the config file this daemon was started with (SIGHUP,
     * {@code POST /v1/reload}) and applies it: see {@link #reloadGraphs(List)}. Other keys take
     * effect at the next start.
     *
     * @throws Config.ConfigException if the file is invalid (nothing changes) or the config was not loaded from a file
     */
    public reconciler.maintenance.ReloadResult reloadGraphs() throws Config.ConfigException {
        Path src = config.sourceFile();
        if (src == null) {
            throw new Config.ConfigException("this daemon's config was built in code, not loaded from a file: nothing to reload", null);
        }
        return reloadGraphs(Config.load(src).graphs);
    }

    /**
     * Applies a new graph list: roots no longer listed are retired (job deleted, ownership
     * released, no longer served; a running pass finishes), new roots are opened, scheduled and
     * claimed by the usual rendezvous assignment.
     */
    public reconciler.maintenance.ReloadResult reloadGraphs(List<String> roots) {
        synchronized (reloadLock) {
            for (GraphHandle g : graphs) {
                if (g.configuredRoot == null) {
                    g.configuredRoot = rootOf(g);
                }
            }
            List<String> removed = new ArrayList<>();
            List<String> added = new ArrayList<>();
            List<String> current = new ArrayList<>();
            for (GraphHandle g : graphs) {
                if (g.retired) {
                    continue;
                }
                if (!roots.contains(g.configuredRoot)) {
                    g.retired = true;
                    try {
                        if (scheduler != null) {
                            scheduler.deleteJob(g.job);
                        }
                    } catch (SchedulerException e) {
                        LOG.warn("reload: cannot unschedule {}: {}", g.configuredRoot, e.toString());
                    }
                    if (membership != null && g.graphId != null) {
                        membership.release(g.graphId);
                    }
                    removed.add(g.configuredRoot);
                } else {
                    current.add(g.configuredRoot);
                }
            }
            for (String root : roots) {
                if (current.contains(root) || added.contains(root)) {
                    continue;
                }
                try {
                    GraphHandle g = new GraphHandle(graphs.size(), Roots.open(root, config));
                    g.configuredRoot = root;
                    graphs.add(g);
                    g.graphId();
                    if (scheduler != null) {
                        scheduler.addJob(JobBuilder.newJob(PassJob.class).withIdentity(g.job).storeDurably()
                                .usingJobData("daemon", id).usingJobData("graph", g.index).build(), false);
                        scheduler.scheduleJob(TriggerBuilder.newTrigger().withIdentity("poll-" + g.index).forJob(g.job)
                                .usingJobData("trigger", POLL).startNow()
                                .withSchedule(SimpleScheduleBuilder.simpleSchedule()
                                        .withIntervalInMilliseconds(config.pollInterval.toMillis()).repeatForever()
                                        .withMisfireHandlingInstructionNowWithExistingCount())
                                .build());
                    }
                    added.add(root);
                } catch (IOException | SchedulerException | RuntimeException e) {
                    LOG.error("reload: cannot add graph root {}: {}", root, e.toString());
                }
            }
            config.graphs = new ArrayList<>(roots);
            if (maintenanceService != null) {
                maintenanceService.graphsChanged();
            }
            if (membership != null) {
                rebalancer.execute(this::rebalance);
            }
            List<String> now = managedGraphs().stream().map(reconciler.maintenance.GraphRef::root).toList();
            LOG.info("graph list reloaded: added {}, removed {}, now {} graph(s)", added, removed, now.size());
            return new reconciler.maintenance.ReloadResult(added, removed, now);
        }
    }

    private void startMaintenanceApi() {
        reconciler.maintenance.MaintenanceService m = maintenance();
        m.graphsChanged();
        jmxReporter = com.codahale.metrics.jmx.JmxReporter.forRegistry(metrics).inDomain("reconciler").build();
        jmxReporter.start();
        if (config.http.enabled) {
            try {
                httpServer = reconciler.http.HttpApiServer.start(this);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("HTTP API (config key 'http'): cannot listen on " + config.http.bind + ":"
                        + config.http.port + ": " + e.getMessage(), e);
            }
        }
        reconciler.maintenance.HangupReload.register(this);
    }

    private void stopMaintenanceApi() {
        reconciler.maintenance.HangupReload.unregister(this);
        reconciler.http.HttpApiServer h = httpServer;
        httpServer = null;
        if (h != null) {
            h.close();
        }
        reconciler.maintenance.MaintenanceService m = maintenanceService;
        if (m != null) {
            m.close();
        }
        com.codahale.metrics.jmx.JmxReporter j = jmxReporter;
        jmxReporter = null;
        if (j != null) {
            j.stop();
        }
    }

    /**
     * Bounds {@link #close()} by {@code shutdownTimeout}: past it, running passes and maintenance
     * jobs are interrupted (their steps are idempotent; the sidecar is deleted last).
     */
    private Thread armShutdownWatchdog() {
        Duration bound = config.shutdownTimeout;
        String prefix = "reconciler-" + id;
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(bound.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            LOG.warn("graceful stop exceeded shutdownTimeout {}: interrupting running passes and maintenance jobs", bound);
            for (Thread th : Thread.getAllStackTraces().keySet()) {
                if (th.getName().startsWith(prefix)) {
                    th.interrupt();
                }
            }
        }, "reconciler-stop-watchdog");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
