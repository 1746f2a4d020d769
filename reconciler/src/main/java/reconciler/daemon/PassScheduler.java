package reconciler.daemon;

import com.codahale.metrics.MetricRegistry;
import java.time.Duration;
import java.util.Date;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
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
import reconciler.core.ReconcilePass;
import reconciler.core.Recoverer;

/**
 * When passes run. One Quartz job per graph ({@link DisallowConcurrentExecution}: never two
 * passes of one graph at once) with a safety-poll trigger every {@code pollInterval}, plus a
 * rebalance job at the same interval; both are built in one place ({@link #schedule}). Events go
 * through a per-graph {@link WorkQueue}: an event for a graph whose pass is already queued is
 * coalesced, and a scheduled pass that left an item {@code BUSY} or {@code FAILED} (or failed as a
 * whole) is re-queued after a per-graph exponential backoff ({@value #BACKOFF_BASE_MS} ms doubling
 * up to {@value #BACKOFF_CAP_MS} ms, reset by a pass that needs no retry; metric
 * {@code reconciler.passes.requeued}), so it does not wait for the next event or poll. A
 * dispatcher thread hands due graphs to Quartz.
 */
final class PassScheduler implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Daemon.LOGGER); // the daemon's log lines keep their logger name
    private static final ConcurrentHashMap<String, PassScheduler> INSTANCES = new ConcurrentHashMap<>();

    /** First backoff delay of a re-queued graph. */
    static final long BACKOFF_BASE_MS = 200;
    /** Largest backoff delay of a re-queued graph. */
    static final long BACKOFF_CAP_MS = 30_000;

    private final String id;
    private final GraphSet graphs;
    private final Ownership ownership;
    private final PassRunner runner;
    private final MetricRegistry metrics;
    private final Duration pollInterval;
    private final WorkQueue<Integer> queue;
    private volatile Runnable onFirstCheck = () -> { };
    private volatile Runnable heartbeat;
    private final int passThreads;
    private volatile Scheduler scheduler;
    private volatile Thread dispatcher;

    /**
     * @param id the daemon's instance id (Quartz instance name {@code reconciler-<id>}, thread-name prefix)
     * @param pollInterval the safety poll and rebalance interval
     */
    PassScheduler(String id, GraphSet graphs, Ownership ownership, PassRunner runner, MetricRegistry metrics, Duration pollInterval) {
        this(id, graphs, ownership, runner, metrics, pollInterval, 4);
    }

    /**
     * @param passThreads passes at once across graphs (config key {@code passThreads}); one graph's passes never overlap
     */
    PassScheduler(String id, GraphSet graphs, Ownership ownership, PassRunner runner, MetricRegistry metrics, Duration pollInterval,
            int passThreads) {
        this.passThreads = passThreads;
        this.id = id;
        this.graphs = graphs;
        this.ownership = ownership;
        this.runner = runner;
        this.metrics = metrics;
        this.pollInterval = pollInterval;
        this.queue = new WorkQueue<>(Duration.ofMillis(BACKOFF_BASE_MS), Duration.ofMillis(BACKOFF_CAP_MS), System::nanoTime);
    }

    /** Creates the scheduler with every graph's job and the rebalance job, and starts the dispatcher; nothing fires before {@link #start()}. */
    void prepare() throws SchedulerException {
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", "reconciler-" + id);
        // passThreads passes at once, plus one thread so the rebalance job never waits behind passes
        int threads = Math.max(2, Math.min(graphs.size(), passThreads) + 1);
        p.setProperty("org.quartz.threadPool.threadCount", Integer.toString(threads));
        // hand a batch of due triggers (all graphs are due at start-up) to the pool at once instead of one per scheduler loop
        p.setProperty("org.quartz.scheduler.batchTriggerAcquisitionMaxCount", Integer.toString(threads));
        p.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        Scheduler s = new StdSchedulerFactory(p).getScheduler();
        scheduler = s;
        INSTANCES.put(id, this);
        for (GraphHandle g : graphs.all()) {
            schedule(g);
        }
        // Ownership is re-checked on every membership change and, as a safety net, once per poll interval.
        s.scheduleJob(JobBuilder.newJob(RebalanceJob.class).withIdentity("rebalance").usingJobData("daemon", id).build(),
                TriggerBuilder.newTrigger().withIdentity("rebalance").startAt(new Date(System.currentTimeMillis() + pollInterval.toMillis()))
                        .withSchedule(SimpleScheduleBuilder.simpleSchedule().withIntervalInMilliseconds(pollInterval.toMillis())
                                .repeatForever().withMisfireHandlingInstructionNowWithExistingCount()).build());
        Thread t = StopWatchdog.daemonThreads("reconciler-requeue").newThread(this::dispatch);
        dispatcher = t;
        t.start();
    }

    /** Adds a graph's pass job and its safety-poll trigger (first pass at once). */
    void schedule(GraphHandle g) throws SchedulerException {
        Scheduler s = scheduler;
        if (s == null) {
            return;
        }
        s.addJob(JobBuilder.newJob(PassJob.class).withIdentity(jobKey(g)).storeDurably()
                .usingJobData("daemon", id).usingJobData("graph", g.index).build(), false);
        s.scheduleJob(TriggerBuilder.newTrigger().withIdentity("poll-" + g.index).forJob(jobKey(g))
                .usingJobData("trigger", Trigger.POLL.label()).startNow()
                .withSchedule(SimpleScheduleBuilder.simpleSchedule()
                        .withIntervalInMilliseconds(pollInterval.toMillis()).repeatForever()
                        .withMisfireHandlingInstructionNowWithExistingCount())
                .build());
    }

    /** Removes a graph's job (a running pass finishes) and anything queued for it. */
    void unschedule(GraphHandle g) throws SchedulerException {
        queue.remove(g.index);
        Scheduler s = scheduler;
        if (s != null) {
            s.deleteJob(jobKey(g));
        }
    }

    /** Starts firing triggers. */
    void start() throws SchedulerException {
        scheduler.start();
    }

    /** Whether triggers fire. */
    boolean started() {
        Scheduler s = scheduler;
        try {
            return s != null && s.isStarted();
        } catch (SchedulerException e) {
            return false;
        }
    }

    /** Queues an event-triggered pass over every live graph with this id (coalesced with one already queued). */
    void onEvent(String graphId) {
        graphs.forEachLive(graphId, g -> queue.add(g.index));
    }

    private void dispatch() {
        try {
            Integer index;
            while ((index = queue.take()) != null) {
                GraphHandle g = graphs.get(index);
                if (g.retired) {
                    queue.started(index);
                    continue;
                }
                try {
                    JobDataMap data = new JobDataMap();
                    data.put("trigger", Trigger.WATCH.label());
                    scheduler.triggerJob(jobKey(g), data);
                } catch (SchedulerException e) {
                    queue.started(index);
                    LOG.warn("cannot trigger a pass for graph '{}': {}", g.graphId, e.toString());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A pass job fired: one pass if this daemon owns the graph, then the re-queue decision. */
    void runScheduled(int index, Trigger trigger) throws InterruptedException {
        GraphHandle g = graphs.get(index);
        queue.started(index);
        boolean first = !g.checked.get();
        try {
            runOwned(g, index, trigger);
        } finally {
            graphs.checked(g);
            if (first) {
                onFirstCheck.run();
            }
        }
    }

    private void runOwned(GraphHandle g, int index, Trigger trigger) throws InterruptedException {
        if (!ownership.owns(g)) {
            metrics.counter("reconciler.passes.skipped_not_owner").inc();
            return; // another daemon's graph: checked as far as this daemon goes (runScheduled marks it)
        }
        ReconcilePass.Report r = runner.run(g, trigger);
        if (needsRetry(r)) {
            Duration delay = queue.addRateLimited(index);
            metrics.counter("reconciler.passes.requeued").inc();
            LOG.debug("pass over {} left work busy or failed: another pass in {} ms (retry {})", g.graph.store().root(), delay.toMillis(),
                    queue.failures(index));
        } else {
            queue.forget(index);
        }
    }

    /** Called (on a pass thread) each time a graph's first scheduled pass job has run. */
    void onFirstCheck(Runnable r) {
        onFirstCheck = r;
    }

    /**
     * Runs {@code beat} every {@code interval} on the pass threads (a Quartz job beside the pass
     * jobs), while the event dispatcher is alive: if every pass thread is stuck, or the dispatcher
     * died, the beats stop. Feeds the systemd watchdog.
     */
    void heartbeat(Duration interval, Runnable beat) throws SchedulerException {
        heartbeat = beat;
        scheduler.scheduleJob(JobBuilder.newJob(HeartbeatJob.class).withIdentity("heartbeat").usingJobData("daemon", id).build(),
                TriggerBuilder.newTrigger().withIdentity("heartbeat").startNow()
                        .withSchedule(SimpleScheduleBuilder.simpleSchedule().withIntervalInMilliseconds(Math.max(1, interval.toMillis()))
                                .repeatForever().withMisfireHandlingInstructionNextWithRemainingCount()).build());
    }

    private void beat() {
        Runnable b = heartbeat;
        Thread d = dispatcher;
        if (b != null && d != null && d.isAlive()) {
            b.run();
        }
    }

    /** A pass that failed as a whole, or left an item BUSY or FAILED, is retried. */
    static boolean needsRetry(ReconcilePass.Report r) {
        if (r == null) {
            return true;
        }
        for (Recoverer.Result x : r.results()) {
            if (x.status() == Recoverer.Status.BUSY || x.status() == Recoverer.Status.FAILED) {
                return true;
            }
        }
        return false;
    }

    private static JobKey jobKey(GraphHandle g) {
        return JobKey.jobKey("graph-" + g.index);
    }

    /** Waits for running passes to finish, then stops the scheduler and the dispatcher. */
    @Override
    public void close() {
        try {
            Scheduler s = scheduler;
            if (s != null) {
                s.shutdown(true);
            }
        } catch (SchedulerException e) {
            LOG.warn("scheduler shutdown: {}", e.toString());
        }
        INSTANCES.remove(id);
        queue.shutdown();
    }

    /** Quartz job: one pass over one graph, if this daemon owns it. */
    @DisallowConcurrentExecution
    public static final class PassJob implements Job {
        @Override
        public void execute(JobExecutionContext ctx) {
            Map<String, Object> data = ctx.getMergedJobDataMap();
            PassScheduler s = INSTANCES.get((String) data.get("daemon"));
            if (s == null) {
                return;
            }
            try {
                s.runScheduled((Integer) data.get("graph"), Trigger.of(data.getOrDefault("trigger", Trigger.POLL.label())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A Quartz job run on the scheduler named by its {@code daemon} data (none: the daemon stopped, nothing to do). */
    abstract static class SchedulerJob implements Job {
        @Override
        public final void execute(JobExecutionContext ctx) {
            PassScheduler s = INSTANCES.get(ctx.getMergedJobDataMap().getString("daemon"));
            if (s != null) {
                run(s);
            }
        }

        abstract void run(PassScheduler s);
    }

    /** Quartz job: the heartbeat ({@link #heartbeat}). */
    @DisallowConcurrentExecution
    public static final class HeartbeatJob extends SchedulerJob {
        @Override
        void run(PassScheduler s) {
            s.beat();
        }
    }

    /** Quartz job: re-check graph ownership against the live members. */
    @DisallowConcurrentExecution
    public static final class RebalanceJob extends SchedulerJob {
        @Override
        void run(PassScheduler s) {
            s.ownership.rebalance();
        }
    }
}
