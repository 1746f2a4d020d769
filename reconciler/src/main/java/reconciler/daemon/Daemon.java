package reconciler.daemon;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.state.ConnectionState;
import org.quartz.SchedulerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reconciler.core.AuditLog;
import reconciler.core.ReconcilePass;
import reconciler.core.Recoverer;
import reconciler.leases.GraphEvents;
import reconciler.maintenance.GraphRef;
import reconciler.maintenance.MaintenanceService;
import reconciler.maintenance.PassRecord;
import reconciler.maintenance.ReloadResult;

/**
 * The reconciler daemon: wires its rooms together and is the one handle the CLI, tests and
 * harnesses hold.
 *
 * <ul>
 *   <li>{@link GraphSet}: the managed graphs (a reload adds and retires roots);
 *   <li>{@link PassScheduler}: when passes run (Quartz: one job per graph, never two passes of one
 *       graph at once, safety poll every {@code pollInterval}; events through a per-graph work
 *       queue with dedup and a backoff re-queue of BUSY/FAILED passes);
 *   <li>{@link PassRunner}: one pass, its metrics and record, background index convergence;
 *   <li>{@link Ownership}: which graphs this daemon owns when several share them;
 *   <li>{@link ApiServices}: JMX, the HTTP API, SIGHUP.
 * </ul>
 *
 * <p>Passes are triggered by ZooKeeper events ({@link GraphEvents}: a writer's change signal, a
 * lease node vanishing) and by the safety poll. Event-triggered passes do not wait for busy
 * leases (the release is itself an event); polled passes wait up to {@code leaseWait}.
 * {@link #runOnce()} ignores ownership: it is an operator's explicit request (and safe beside a
 * daemon: every step takes the same leases).
 *
 * <p><b>Configuration.</b> Held in one {@link AtomicReference}; a reload swaps in a new immutable
 * {@link Config}, and every reader works on the snapshot {@link #config()} gave it.
 *
 * <p><b>Stopping.</b> {@link #close()} waits for running passes to finish their current step (at
 * most {@code shutdownTimeout}, then they are interrupted), then releases leases and ownership and
 * stops ZooKeeper: recovery steps are idempotent and the sidecar is deleted last, so nothing is
 * left half-done without its sidecar.
 */
public final class Daemon implements AutoCloseable {

    /** The logger name of the daemon's rooms ({@code reconciler.daemon.Daemon}): a constant, so they do not depend on this class. */
    static final String LOGGER = "reconciler.daemon.Daemon";
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    /** Pass triggers (metric names {@code reconciler.passes.<trigger>}). */
    public static final String WATCH = Trigger.WATCH.label();
    public static final String POLL = Trigger.POLL.label();
    public static final String ONCE = Trigger.ONCE.label();
    /** Pass trigger of a {@code recover} maintenance job (metric {@code reconciler.passes.maintenance}). */
    public static final String MAINTENANCE = Trigger.MAINTENANCE.label();

    private final AtomicReference<Config> config;
    private final Coordination coordination;
    private final String id = UUID.randomUUID().toString();
    private final String memberId;
    private final MetricRegistry metrics;
    private final GraphSet graphs = new GraphSet();
    private final PassRunner runner;
    private final Ownership ownership;
    private final PassScheduler scheduler;
    private final ApiServices api = new ApiServices();
    private final DaemonHost host;
    private final Object maintenanceLock = new Object();
    private final Object reloadLock = new Object();
    private volatile MaintenanceService maintenanceService;
    private volatile GraphEvents events;
    private volatile LivenessHook liveness;
    private volatile boolean closing;
    private volatile ReadyNotice notice = new ReadyNotice(ServiceNotifier.none(), graphs, () -> -1);
    /** Start-up timings for the started line: roots opened, graph ids read (ms). */
    private final long[] openMillis;

    /** @throws Exception if ZooKeeper cannot be reached or started */
    public Daemon(Config config) throws Exception {
        this(config, new MetricRegistry());
    }

    /**
     * @param metrics registry for the daemon's metrics ({@code reconciler.*})
     * @throws Exception if ZooKeeper cannot be reached or started, or a graph root cannot be opened
     */
    public Daemon(Config config, MetricRegistry metrics) throws Exception {
        this.config = new AtomicReference<>(config);
        this.metrics = metrics;
        this.coordination = Coordination.open(config, true);
        ReconcilePass pass = new ReconcilePass(new Recoverer(coordination.leases(), new AuditLog(Path.of(config.auditLog)), config.leaseWait));
        long t0 = System.nanoTime();
        for (String root : config.graphs) {
            graphs.open(root, config);
        }
        long t1 = System.nanoTime();
        graphs.readIds(config.passThreads); // in parallel: ownership, gauges and readiness name graphs by id
        openMillis = new long[] {(t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000};
        this.memberId = hostName() + ":" + ProcessHandle.current().pid() + ":" + id.substring(0, 8);
        reconciler.maintenance.IndexerProvider.configure("low".equals(config.indexerPriority)); // writers first (docs/indexes.md)
        this.runner = new PassRunner(pass, coordination.leases(), metrics, this::passRecorded, this::onEvent, () -> config().indexes,
                root -> config().rollForwardOnly(root));
        this.ownership = new Ownership(coordination.leases(), memberId, graphs);
        this.scheduler = new PassScheduler(id, graphs, ownership, runner, metrics, config.pollInterval, config.passThreads);
        this.host = new DaemonHost(memberId, metrics, coordination, this::config, graphs, runner, ownership, this::reloadGraphs);
        DaemonMetrics.register(metrics, coordination, graphs);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
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

    /** The configuration now: an immutable snapshot (a reload installs a new one; this one never changes). */
    public Config config() {
        return config.get();
    }

    /**
     * Runs one pass over every graph, sequentially, regardless of ownership, waiting up to
     * {@code leaseWait} for busy leases.
     *
     * @return one report per graph root, in config order; a graph whose pass failed has a null report
     */
    public List<ReconcilePass.Report> runOnce() throws InterruptedException {
        List<ReconcilePass.Report> out = new ArrayList<>();
        for (GraphHandle g : graphs.all()) {
            out.add(runner.run(g, Trigger.ONCE));
        }
        return out;
    }

    /**
     * Schedules the passes, starts watching and joins the membership; returns at once. Tells the
     * service manager named by {@code NOTIFY_SOCKET} (systemd {@code Type=notify}) when it is ready:
     * see {@link #start(ServiceNotifier)}.
     *
     * @throws SchedulerException if Quartz cannot start
     */
    public void start() throws SchedulerException, InterruptedException {
        start(ServiceNotifier.fromEnvironment());
    }

    /**
     * {@link #start()}, notifying {@code notifier} (docs/operations.md, "Under systemd"):
     * {@code STATUS=first pass: K/N graph(s) checked} while the first passes run, then
     * {@code READY=1} once the HTTP API serves and every configured graph had its first pass (or
     * was found owned by another daemon); {@code WATCHDOG=1} every half {@code WATCHDOG_USEC} from
     * the pass threads while they are not all stuck; {@code STOPPING=1} when {@link #close()} begins.
     *
     * @throws SchedulerException if Quartz cannot start
     */
    public void start(ServiceNotifier notifier) throws SchedulerException, InterruptedException {
        Config c = config();
        ReadyNotice n = new ReadyNotice(notifier, graphs, this::httpPort);
        notice = n;
        scheduler.onFirstCheck(n::firstCheckProgress);
        long t0 = System.nanoTime();
        scheduler.prepare();
        long t1 = System.nanoTime();
        ownership.join(c.zookeeper.connectTimeout, scheduler::started, this::onEvent);
        long t2 = System.nanoTime();
        if (c.events) {
            events = new GraphEvents(coordination.leases(), e -> onEvent(e.graphId()));
        }
        liveness = LivenessHook.start(coordination, c, metrics, this::onEvent);
        // A step that failed while ZooKeeper was SUSPENDED is retried by nothing else until the safety poll
        // (it/EnsembleStormIT: sidecars left for the whole poll interval after a leader change): pass again on RECONNECTED.
        coordination.leases().session().addStateListener(state -> {
            if (state == ConnectionState.RECONNECTED && !closing) {
                LOG.info("ZooKeeper RECONNECTED: a pass over every graph (steps that failed meanwhile are retried)");
                graphs.knownIds().forEach(this::onEvent);
            }
        });
        scheduler.start();
        LOG.info("reconciler {} started: {} graph(s), safety poll every {}, events {} (roots opened in {} ms, ids read in {} ms, "
                + "passes scheduled in {} ms, graphs claimed in {} ms)", memberId, graphs.size(), c.pollInterval, c.events ? "on" : "off",
                openMillis[0], openMillis[1], (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
        api.start(c, maintenance(), host, metrics);
        if (notifier.watchdogInterval().isPresent()) {
            scheduler.heartbeat(notifier.watchdogInterval().get(), () -> notifier.send("WATCHDOG=1"));
        }
        n.serving();
    }

    private void onEvent(String graphId) {
        scheduler.onEvent(graphId);
    }

    /** Blocks until {@code stop} counts down (e.g. from a SIGTERM shutdown hook). */
    public void awaitStop(CountDownLatch stop) throws InterruptedException {
        stop.await();
    }

    /** Counter helper for tests and the status API. */
    public long count(String name) {
        Counter c = metrics.getCounters().get(name);
        return c == null ? 0 : c.getCount();
    }

    /** The maintenance service (kinds registry, jobs, maintenance state); created on first use. */
    public MaintenanceService maintenance() {
        MaintenanceService m = maintenanceService;
        if (m == null) {
            synchronized (maintenanceLock) {
                if (maintenanceService == null) {
                    maintenanceService = new MaintenanceService(host, "reconciler-" + id, config().shutdownTimeout);
                }
                m = maintenanceService;
            }
        }
        return m;
    }

    /** The port the HTTP API listens on, or -1 when it is off. */
    public int httpPort() {
        return api.httpPort();
    }

    /** What the maintenance service and the HTTP API see of this daemon. */
    DaemonHost host() {
        return host;
    }

    /** The configured (not retired) graphs, in config order. */
    public List<GraphRef> managedGraphs() {
        return graphs.managed();
    }

    /**
     * Pauses or resumes background maintenance of a graph (index convergence after passes); recovery
     * is never paused. @return whether it is paused now. @throws NoSuchElementException if not configured
     */
    public boolean pauseBackground(String graphId, boolean paused) {
        return host.pauseBackground(graphId, paused);
    }

    /** Whether background maintenance of the graph is paused. */
    public boolean backgroundPaused(String graphId) {
        return host.backgroundPaused(graphId);
    }

    /** The last pass of this daemon over a graph. */
    public Optional<PassRecord> lastPass(String graphId) {
        return host.lastPass(graphId);
    }

    /** The daemon owning a graph, read from ZooKeeper; empty when none or unknown. */
    public Optional<String> ownerOf(String graphId) {
        return host.owner(graphId);
    }

    /**
     * One pass over a graph now, trigger {@code maintenance}, regardless of ownership (like
     * {@code run --once}; safe beside a scheduled pass: every step takes the same leases).
     *
     * @throws NoSuchElementException if no configured graph has that id
     * @throws IOException if the pass failed
     */
    public ReconcilePass.Report maintenancePass(String graphId) throws IOException, InterruptedException {
        return host.reconcilePass(graphId);
    }

    private void passRecorded(GraphHandle g) {
        MaintenanceService m = maintenanceService;
        if (m != null) {
            m.onPass(g.graphId(), g.lastPass);
        }
    }

    /**
     * Re-reads {@code graphs} from the config file this daemon was started with (SIGHUP,
     * {@code POST /v1/reload}) and applies it: see {@link #reloadGraphs(List)}. Other keys take
     * effect at the next start.
     *
     * @throws Config.ConfigException if the file is invalid (nothing changes) or the config was not loaded from a file
     */
    public ReloadResult reloadGraphs() throws Config.ConfigException {
        Path src = config().sourceFile();
        if (src == null) {
            throw new Config.ConfigException("this daemon's config was built in code, not loaded from a file: nothing to reload", null);
        }
        return reloadGraphs(Config.load(src).graphs);
    }

    /**
     * Applies a new graph list: roots no longer listed are retired (job deleted, ownership
     * released, no longer served; a running pass finishes), new roots are opened, scheduled and
     * claimed by the usual rendezvous assignment; then the new config is installed.
     */
    public ReloadResult reloadGraphs(List<String> roots) {
        synchronized (reloadLock) {
            List<String> removed = new ArrayList<>();
            List<String> added = new ArrayList<>();
            List<String> current = new ArrayList<>();
            for (GraphHandle g : graphs.all()) {
                if (g.retired) {
                    continue;
                }
                if (!roots.contains(g.configuredRoot)) {
                    graphs.retire(g);
                    try {
                        scheduler.unschedule(g);
                    } catch (SchedulerException e) {
                        LOG.warn("reload: cannot unschedule {}: {}", g.configuredRoot, e.toString());
                    }
                    ownership.release(g.graphId);
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
                    GraphHandle g = graphs.open(root, config());
                    g.graphId();
                    scheduler.schedule(g);
                    added.add(root);
                } catch (IOException | SchedulerException | RuntimeException e) {
                    LOG.error("reload: cannot add graph root {}: {}", root, e.toString());
                }
            }
            config.updateAndGet(c -> c.withGraphs(roots)); // readers keep the snapshot they took
            MaintenanceService m = maintenanceService;
            if (m != null) {
                m.graphsChanged();
            }
            if (ownership.joined()) {
                ownership.rebalanceSoon();
            }
            List<String> now = managedGraphs().stream().map(GraphRef::root).toList();
            LOG.info("graph list reloaded: added {}, removed {}, now {} graph(s)", added, removed, now.size());
            return new ReloadResult(added, removed, now);
        }
    }

    @Override
    public void close() {
        Config c = config();
        Thread watchdog = StopWatchdog.arm(c.shutdownTimeout, "reconciler-" + id);
        closing = true;
        notice.stopping();
        runner.stopping();
        api.stop(maintenanceService);
        scheduler.close();
        ownership.stopRebalancing();
        // a running build finishes its current step; its sidecar covers anything half done
        runner.close(Duration.ofSeconds(Math.max(1, c.shutdownTimeout.toSeconds() / 2)));
        LivenessHook l = liveness;
        if (l != null) {
            l.close();
        }
        GraphEvents e = events;
        if (e != null) {
            e.close();
        }
        ownership.close();
        coordination.close();
        graphs.closeAll();
        notice.close();
        watchdog.interrupt();
        LOG.info("reconciler stopped");
    }
}
