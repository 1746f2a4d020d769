package reconciler.daemon;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reconciler.core.ReconcilePass;
import reconciler.core.Recoverer;
import reconciler.indexer.ConvergeReport;
import reconciler.indexer.IndexMaintenance;
import reconciler.leases.LeaseManager;
import reconciler.maintenance.IndexerProvider;
import reconciler.maintenance.PassRecord;
import reconciler.metrics.BucketTimers;

/**
 * Runs one reconcile pass over one graph and accounts for it: metrics
 * ({@code reconciler.passes.<trigger>}, {@code reconciler.pass}, {@code reconciler.sidecars.<status>},
 * {@code reconciler.decisions.<action>}, {@code reconciler.passes.failed}), the log line, the
 * graph's last {@link PassRecord}; and, after a converged event or poll pass, one background
 * round of index convergence (docs/indexes.md) on the daemon's index thread, skipped while the
 * manifest version at which coverage was last found converged is still the latest.
 */
final class PassRunner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Daemon.LOGGER); // the daemon's log lines keep their logger name

    private final ReconcilePass pass;
    private final LeaseManager leases;
    private final MetricRegistry metrics;
    private final Consumer<GraphHandle> onRecord;
    private final Consumer<String> onIndexProgress;
    private final BooleanSupplier indexesEnabled;
    private final java.util.function.Predicate<String> rollForwardOnly;
    private volatile boolean closing;
    private final ExecutorService indexExecutor = Executors.newSingleThreadExecutor(StopWatchdog.daemonThreads("reconciler-index"));

    /**
     * @param onRecord called after a graph's {@code lastPass} was set
     * @param onIndexProgress called with the graph id when an index round made progress but did not converge (another pass is due)
     * @param indexesEnabled config key {@code indexes}, read at each converged pass
     * @param rollForwardOnly config keys {@code recoveryMode}/{@code recoveryModePerGraph} for a configured root, read at each pass
     */
    PassRunner(ReconcilePass pass, LeaseManager leases, MetricRegistry metrics, Consumer<GraphHandle> onRecord,
            Consumer<String> onIndexProgress, BooleanSupplier indexesEnabled, java.util.function.Predicate<String> rollForwardOnly) {
        this.rollForwardOnly = rollForwardOnly;
        this.pass = pass;
        this.leases = leases;
        this.metrics = metrics;
        this.onRecord = onRecord;
        this.onIndexProgress = onIndexProgress;
        this.indexesEnabled = indexesEnabled;
    }

    /**
     * One pass over a graph. Event-triggered passes ({@link Trigger#WATCH}) do not wait for busy
     * leases; the others wait up to {@code leaseWait}.
     *
     * @return the report, or null if the pass failed (logged, counted and recorded with its error)
     */
    ReconcilePass.Report run(GraphHandle g, Trigger trigger) throws InterruptedException {
        metrics.counter(MetricRegistry.name("reconciler", "passes", trigger.label())).inc();
        Instant passStart = Instant.now();
        long passNanos = System.nanoTime();
        try (Timer.Context t = BucketTimers.timer(metrics, "reconciler.pass").time()) {
            ReconcilePass.Report r = pass.run(g.graph, trigger == Trigger.WATCH ? Duration.ZERO : null, rollForwardOnly.test(g.configuredRoot));
            for (Recoverer.Result x : r.results()) {
                metrics.counter(MetricRegistry.name("reconciler", "sidecars", x.status().name().toLowerCase())).inc();
                if (x.action() != null) {
                    metrics.counter(MetricRegistry.name("reconciler", "decisions", x.action().name().toLowerCase())).inc();
                }
            }
            // INFO is for actions: a pass that resolved nothing (idle, or only a live writer's busy leases) logs at DEBUG
            boolean acted = r.results().stream().anyMatch(x -> x.status() != reconciler.core.Recoverer.Status.BUSY);
            (acted ? LOG.atInfo() : LOG.atDebug()).log("pass over {} ({}): manifest v{}, {} item(s) handled, converged={}",
                    g.graph.store().root(), trigger.label(), r.status().manifestVersion(), r.results().size(), r.converged());
            record(g, new PassRecord(trigger.label(), passStart, (System.nanoTime() - passNanos) / 1_000_000, r, null));
            if (r.converged() && (trigger == Trigger.WATCH || trigger == Trigger.POLL)) {
                convergeIndexesInBackground(g, r.status().manifestVersion());
            }
            return r;
        } catch (IOException | RuntimeException e) {
            metrics.counter("reconciler.passes.failed").inc();
            LOG.error("pass over {} failed: {}", g.graph.store().root(), e.toString());
            record(g, new PassRecord(trigger.label(), passStart, (System.nanoTime() - passNanos) / 1_000_000, null, e.toString()));
            return null;
        }
    }

    private void record(GraphHandle g, PassRecord p) {
        g.lastPass = p;
        onRecord.accept(g);
    }

    /**
     * Derived index coverage converges by itself (docs/indexes.md): after a converged pass, if any
     * declared index is not covered at the pins, one converge round runs on the daemon's index
     * thread (staged builds outside the lease; only the commit and publish take it). At most one
     * round per graph at a time; passes and recovery never wait for a build.
     */
    private void convergeIndexesInBackground(GraphHandle g, long manifestVersion) {
        if (!indexesEnabled.getAsBoolean() || closing || g.backgroundPaused || g.coverageConvergedAt == manifestVersion
                || !g.indexing.compareAndSet(false, true)) {
            return; // coverage found converged at this very manifest version: it cannot have changed
        }
        try {
            indexExecutor.execute(() -> {
                try {
                    reconciler.manifest.Manifest m = g.graph.manifests().require();
                    if (m.tables().values().stream().allMatch(p -> p.indexes().isEmpty())) {
                        g.coverageConvergedAt = m.version(); // no index declared: nothing to cover, no table opened
                        return;
                    }
                    IndexMaintenance im = IndexerProvider.maintenance();
                    reconciler.indexer.GraphCoverage coverage = im.coverage(g.graph);
                    if (coverage.converged()) {
                        g.coverageConvergedAt = coverage.manifestVersion();
                    } else {
                        ConvergeReport rep = im.converge(g.graph, leases);
                        metrics.counter("reconciler.index.converge_rounds").inc();
                        LOG.info("index convergence on {}: {} action(s), converged={}", g.graph.store().root(), rep.actions().size(),
                                rep.converged());
                        if (!rep.converged() && !rep.actions().isEmpty() && g.graphId != null) {
                            onIndexProgress.accept(g.graphId); // progress was made: another pass, then another round
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
        } catch (RejectedExecutionException e) {
            g.indexing.set(false);
        }
    }

    /** No new index rounds from now on (call when stopping begins). */
    void stopping() {
        closing = true;
    }

    /**
     * Lets a running index round finish its current step for up to {@code bound}, then interrupts
     * it; its sidecar covers anything half done.
     */
    void close(Duration bound) {
        closing = true;
        indexExecutor.shutdown();
        try {
            if (!indexExecutor.awaitTermination(Math.max(1, bound.toSeconds()), TimeUnit.SECONDS)) {
                indexExecutor.shutdownNow();
            }
        } catch (InterruptedException e) {
            indexExecutor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(1));
    }
}
