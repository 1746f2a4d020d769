package reconciler.daemon;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import reconciler.leases.DeadHolderBreaker;
import reconciler.metrics.BucketTimers;

/**
 * The daemon's side of the local liveness proof (docs/leases.md "Healing a dead holder on this
 * host"): every process that connects through {@link Coordination} records its identity in its
 * lock nodes and holds a local lock per lease under {@code livenessDir}; the running daemon breaks
 * the leases of holders that died on this host ({@link DeadHolderBreaker}) and starts a pass of
 * the graph at once. Metrics: {@code reconciler.leases.broken} (leases broken by the proof) and
 * {@code reconciler.leases.broken.wait} (from seeing the lock node to breaking it).
 */
final class LivenessHook implements AutoCloseable {

    private final DeadHolderBreaker breaker; // null: proof off

    private LivenessHook(DeadHolderBreaker breaker) {
        this.breaker = breaker;
    }

    /**
     * Starts breaking dead local holders' leases.
     *
     * @param onGraph told the graph id of each broken lease (start a pass)
     * @return the running hook (a no-op one when the proof is off or /proc is unusable)
     */
    static LivenessHook start(Coordination c, Config cfg, MetricRegistry metrics, Consumer<String> onGraph) {
        Optional<Path> dir = cfg.livenessDirectory();
        if (dir.isEmpty()) {
            return new LivenessHook(null);
        }
        Counter broken = metrics.counter("reconciler.leases.broken");
        Timer wait = BucketTimers.timer(metrics, "reconciler.leases.broken.wait");
        return new LivenessHook(DeadHolderBreaker.start(c.leases().session(), dir.get(), b -> {
            broken.inc();
            wait.update(b.waitedMillis(), TimeUnit.MILLISECONDS);
            c.leases().brokenHolders().note(b.holder(), "lease broken: " + b.reason());
            onGraph.accept(b.lease().graphId());
        }).orElse(null));
    }

    @Override
    public void close() {
        if (breaker != null) {
            breaker.close();
        }
    }
}
