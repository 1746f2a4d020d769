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
import reconciler.writer.Graph;

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
    private final List<GraphHandle> graphs = new ArrayList<>();
    private final String id = UUID.randomUUID().toString();
    private final String memberId;
    private final MetricRegistry metrics;
    private final ExecutorService rebalancer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "reconciler-rebalance");
        t.setDaemon(true);
        return t;
    });
    private Scheduler scheduler;
    private Membership membership;
    private GraphEvents events;

    /** One configured graph root. */
    static final class GraphHandle {
        final int index;
        final Graph graph;
        final JobKey job;
        final AtomicBoolean queued = new AtomicBoolean();
        volatile String graphId;

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
            graphs.add(new GraphHandle(i, new Graph(new reconciler.storage.CountingGraphStore(
                    new reconciler.storage.LocalGraphStore(Path.of(config.graphs.get(i)))))));
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown";
        }
        this.memberId = host + ":" + ProcessHandle.current().pid() + ":" + id.substring(0, 8);
        metrics.gauge("reconciler.storage.requests", () -> reconciler.storage.StorageStats::total);
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
            return r;
        } catch (IOException | RuntimeException e) {
            metrics.counter("reconciler.passes.failed").inc();
            LOG.error("pass over {} failed: {}", g.graph.store().root(), e.toString());
            return null;
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
                            .withMisfireHandlingInstructionNextWithRemainingCount())
                    .build());
        }
        // Ownership is re-checked on every membership change and, as a safety net, once per poll interval.
        scheduler.scheduleJob(JobBuilder.newJob(RebalanceJob.class).withIdentity("rebalance").usingJobData("daemon", id).build(),
                TriggerBuilder.newTrigger().withIdentity("rebalance").startAt(new java.util.Date(System.currentTimeMillis()
                                + config.pollInterval.toMillis()))
                        .withSchedule(SimpleScheduleBuilder.simpleSchedule().withIntervalInMilliseconds(config.pollInterval.toMillis())
                                .repeatForever().withMisfireHandlingInstructionNextWithRemainingCount()).build());
        membership = new Membership(coordination.leases(), memberId, () -> rebalancer.execute(this::rebalance));
        membership.awaitRegistered(config.zookeeper.connectTimeout);
        rebalance();
        if (config.events) {
            events = new GraphEvents(coordination.leases(), e -> onEvent(e.graphId()));
        }
        scheduler.start();
        LOG.info("reconciler {} started: {} graph(s), safety poll every {}, events {}", memberId, graphs.size(),
                config.pollInterval, config.events ? "on" : "off");
    }

    private void onEvent(String graphId) {
        for (GraphHandle g : graphs) {
            if (graphId.equals(g.graphId) && g.queued.compareAndSet(false, true)) {
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
            if (gid == null) {
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
        try {
            if (scheduler != null) {
                scheduler.shutdown(true);
            }
        } catch (SchedulerException e) {
            LOG.warn("scheduler shutdown: {}", e.toString());
        }
        INSTANCES.remove(id);
        rebalancer.shutdownNow();
        if (events != null) {
            events.close();
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
}
