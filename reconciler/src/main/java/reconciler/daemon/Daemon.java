package reconciler.daemon;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobExecutionContext;
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
import reconciler.writer.Graph;

/**
 * The reconciler daemon: one Quartz job per graph root runs a {@link ReconcilePass} every
 * {@code pollInterval} ({@link DisallowConcurrentExecution}: never two passes of one graph at once).
 * {@link #close()} waits for running passes to finish their current step, then releases leases and
 * stops ZooKeeper: recovery steps are idempotent and the sidecar is deleted last, so nothing is
 * left half-done without its sidecar.
 */
public final class Daemon implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
    private static final ConcurrentHashMap<String, Daemon> INSTANCES = new ConcurrentHashMap<>();

    private final Config config;
    private final Coordination coordination;
    private final ReconcilePass pass;
    private final List<Graph> graphs = new ArrayList<>();
    private final String id = java.util.UUID.randomUUID().toString();
    private Scheduler scheduler;

    /** @throws Exception if ZooKeeper cannot be reached or started */
    public Daemon(Config config) throws Exception {
        this.config = config;
        this.coordination = Coordination.open(config, true);
        this.pass = new ReconcilePass(new Recoverer(coordination.leases(), new AuditLog(Path.of(config.auditLog)), config.leaseWait));
        for (String root : config.graphs) {
            graphs.add(Graph.local(Path.of(root)));
        }
    }

    /**
     * Runs one pass over every graph, sequentially.
     *
     * @return one report per graph root, in config order; a graph whose pass failed has a null report
     */
    public List<ReconcilePass.Report> runOnce() throws InterruptedException {
        List<ReconcilePass.Report> out = new ArrayList<>();
        for (Graph g : graphs) {
            out.add(passOver(g));
        }
        return out;
    }

    ReconcilePass.Report passOver(Graph g) throws InterruptedException {
        try {
            ReconcilePass.Report r = pass.run(g);
            LOG.info("pass over {}: manifest v{}, {} sidecar(s) handled, converged={}", g.store().root(),
                    r.status().manifestVersion(), r.results().size(), r.converged());
            return r;
        } catch (java.io.IOException | RuntimeException e) {
            LOG.error("pass over {} failed: {}", g.store().root(), e.toString());
            return null;
        }
    }

    /** Schedules the passes and returns; {@link #close()} stops them. @throws SchedulerException */
    public void start() throws SchedulerException {
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", "reconciler-" + id);
        p.setProperty("org.quartz.threadPool.threadCount", Integer.toString(Math.max(1, Math.min(graphs.size(), 4))));
        p.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        scheduler = new StdSchedulerFactory(p).getScheduler();
        INSTANCES.put(id, this);
        for (int i = 0; i < graphs.size(); i++) {
            scheduler.scheduleJob(JobBuilder.newJob(PassJob.class).withIdentity("graph-" + i)
                            .usingJobData("daemon", id).usingJobData("graph", i).build(),
                    TriggerBuilder.newTrigger().withIdentity("poll-" + i).startNow()
                            .withSchedule(SimpleScheduleBuilder.simpleSchedule()
                                    .withIntervalInMilliseconds(config.pollInterval.toMillis()).repeatForever()
                                    .withMisfireHandlingInstructionNextWithRemainingCount())
                            .build());
        }
        scheduler.start();
        LOG.info("reconciler started: {} graph(s), poll every {}", graphs.size(), config.pollInterval);
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
        coordination.close();
        graphs.forEach(Graph::close);
        LOG.info("reconciler stopped");
    }

    /** Quartz job: one pass over one graph. */
    @DisallowConcurrentExecution
    public static final class PassJob implements Job {
        @Override
        public void execute(JobExecutionContext ctx) {
            Daemon d = INSTANCES.get(ctx.getMergedJobDataMap().getString("daemon"));
            if (d == null) {
                return;
            }
            try {
                d.passOver(d.graphs.get(ctx.getMergedJobDataMap().getInt("graph")));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
