package reconciler.maintenance;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import com.github.f4b6a3.ulid.UlidCreator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reconciler.metrics.MetricNames;
import reconciler.metrics.BucketTimers;

/**
 * The maintenance job queue: one worker thread per graph (jobs of a graph run in submission
 * order, at most {@link MaintenanceService#MAX_QUEUED_PER_GRAPH} waiting), the jobs by id (finished
 * ones kept until {@link MaintenanceService#RETAINED_JOBS} newer ones finished) and each graph's
 * last run per kind. Metrics per kind: {@code reconciler.maintenance.<kind>.duration} (timer) and
 * {@code reconciler.maintenance.<kind>.<state>} (counter).
 */
final class JobQueue {

    /** Jobs that may wait per graph. */
    static final int MAX_QUEUED_PER_GRAPH = 16;
    /** Finished jobs kept for {@code GET /v1/jobs/{id}}. */
    static final int RETAINED_JOBS = 500;

    private static final Logger LOG = LoggerFactory.getLogger("reconciler.maintenance.MaintenanceService"); // the service's log lines keep their logger name

    private final MaintenanceHost host;
    private final String threadPrefix;
    private final Map<String, MaintenanceJob> jobs = new ConcurrentHashMap<>();
    private final Deque<String> finishedOrder = new ConcurrentLinkedDeque<>();
    private final Map<String, ThreadPoolExecutor> workers = new ConcurrentHashMap<>();
    private final Map<String, Map<String, MaintenanceJob>> lastRuns = new ConcurrentHashMap<>();
    private final AtomicInteger threads = new AtomicInteger();
    private volatile boolean closed;

    /** @param threadPrefix prefix of worker thread names ({@code <prefix>-maintenance-<n>}) */
    JobQueue(MaintenanceHost host, String threadPrefix) {
        this.host = host;
        this.threadPrefix = threadPrefix;
    }

    /**
     * Queues a job of a kind on a graph.
     *
     * @param onStart called on the worker thread when the job starts (e.g. to register its progress gauge)
     * @param afterRun called on the worker thread after the job finished, unless the queue is stopping or the thread was interrupted
     * @throws TooManyJobsException if the graph's queue is full, or the queue is stopping
     */
    MaintenanceJob submit(GraphRef ref, MaintenanceKind kind, Runnable onStart, Consumer<GraphRef> afterRun) throws TooManyJobsException {
        if (closed) {
            throw new TooManyJobsException("the daemon is stopping: no new maintenance jobs");
        }
        MaintenanceJob job = new MaintenanceJob(UlidCreator.getMonotonicUlid().toString(), ref.graphId(), kind.name());
        ThreadPoolExecutor worker = workers.computeIfAbsent(ref.graphId(), g -> {
            ThreadPoolExecutor ex = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(MAX_QUEUED_PER_GRAPH), r -> {
                Thread t = new Thread(r, threadPrefix + "-maintenance-" + threads.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            ex.allowCoreThreadTimeOut(true);
            return ex;
        });
        jobs.put(job.id(), job);
        try {
            worker.execute(() -> run(job, ref, kind, onStart, afterRun));
        } catch (RejectedExecutionException e) {
            jobs.remove(job.id());
            throw new TooManyJobsException("graph '" + ref.graphId() + "' already has " + MAX_QUEUED_PER_GRAPH
                    + " maintenance jobs waiting; poll them and retry");
        }
        LOG.info("maintenance job={} graph={} kind={} queued", job.id(), job.graphId(), job.kind());
        return job;
    }

    private void run(MaintenanceJob job, GraphRef ref, MaintenanceKind kind, Runnable onStart, Consumer<GraphRef> afterRun) {
        if (!job.start()) {
            return; // cancelled while queued
        }
        MetricRegistry m = host.metrics();
        String base = MetricRegistry.name("reconciler", "maintenance", MetricNames.segment(kind.name()));
        onStart.run();
        try (Timer.Context t = BucketTimers.timer(m, MetricRegistry.name(base, "duration")).time()) {
            NotReadyException.requireConnected(host, "no lease can be taken, the job did not run");
            MaintenanceResult r = kind.run(new MaintenanceContext(job, ref, host));
            NotReadyException.requireConnected(host, "the session was lost while the job ran, so its result cannot be vouched for");
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
                afterRun.accept(ref); // index coverage and compaction changed: refresh the gauges
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

    /** Progress of the running job of a kind on a graph, else of its last run; NaN if none. */
    double latestProgress(String graphId, String kind) {
        MaintenanceJob latest = null;
        for (MaintenanceJob j : jobs.values()) {
            if (j.graphId().equals(graphId) && j.kind().equals(kind) && j.state() == MaintenanceJob.State.RUNNING) {
                latest = j;
            }
        }
        if (latest != null) {
            return latest.progress();
        }
        MaintenanceJob last = lastRun(graphId).get(kind);
        return last == null ? Double.NaN : last.progress();
    }

    /** Known jobs in a state. */
    int count(MaintenanceJob.State s) {
        int n = 0;
        for (MaintenanceJob j : jobs.values()) {
            n += j.state() == s ? 1 : 0;
        }
        return n;
    }

    /** The last finished job of each kind on a graph (empty for null or unknown graphs). */
    Map<String, MaintenanceJob> lastRun(String graphId) {
        return graphId == null ? Map.of() : lastRuns.getOrDefault(graphId, Map.of());
    }

    /** A job by id. */
    Optional<MaintenanceJob> job(String id) {
        return Optional.ofNullable(id == null ? null : jobs.get(id));
    }

    /** Known jobs, oldest first, optionally of one graph. */
    List<MaintenanceJob> jobs(String graphOrNull) {
        List<MaintenanceJob> out = new ArrayList<>();
        for (MaintenanceJob j : jobs.values()) {
            if (graphOrNull == null || graphOrNull.equals(j.graphId())) {
                out.add(j);
            }
        }
        out.sort(Comparator.comparing(MaintenanceJob::id));
        return out;
    }

    /**
     * Stops: queued jobs are cancelled, running jobs are asked to stop and get up to {@code bound}
     * to finish, then their threads are interrupted.
     *
     * @return whether every worker stopped
     */
    boolean close(Duration bound) {
        closed = true;
        for (MaintenanceJob j : jobs.values()) {
            if (j.cancel("the daemon is stopping")) {
                finished(j);
            }
            j.requestStop();
        }
        workers.values().forEach(ThreadPoolExecutor::shutdown);
        long deadline = System.nanoTime() + bound.toNanos();
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
        return stopped;
    }
}
