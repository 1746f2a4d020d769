package reconciler.daemon;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * A work queue of keys (graphs) with deduplication and a per-key rate-limited re-queue, after
 * controller-runtime's rate-limited work queue ({@code RequeueAfter}).
 *
 * <p>Life of a key: {@link #add} or {@link #addRateLimited} makes it <i>waiting</i> with a due
 * time; {@link #poll}/{@link #take} hand out a due key and make it <i>dispatched</i>;
 * {@link #started} (the pass begins) makes it free again, so an event during a pass queues one
 * more pass after it. While a key is waiting or dispatched, further adds are coalesced (an
 * immediate add pulls a waiting key's due time forward to now).
 *
 * <p>Backoff: the n-th consecutive {@link #addRateLimited} of a key waits
 * {@code min(base * 2^(n-1), cap)} (200 ms, 400 ms, ... 30 s in the daemon); {@link #forget}
 * (a pass that needed no retry) resets n. Times come from the given nanosecond clock, so the
 * logic is testable with a fake one. Thread-safe.
 *
 * @param <K> the key type (equals/hashCode)
 */
public final class WorkQueue<K> {

    private final long baseNanos;
    private final long capNanos;
    private final LongSupplier clock;
    private final Map<K, Long> waiting = new HashMap<>();
    private final Set<K> dispatched = new HashSet<>();
    private final Map<K, Integer> failures = new HashMap<>();
    private boolean shutdown;

    /**
     * @param base the first backoff delay (positive)
     * @param cap the largest backoff delay (at least {@code base})
     * @param nanoClock monotonic time in nanoseconds ({@code System::nanoTime} in production)
     */
    public WorkQueue(Duration base, Duration cap, LongSupplier nanoClock) {
        if (base.isNegative() || base.isZero() || cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < base <= cap, got base " + base + ", cap " + cap);
        }
        this.baseNanos = base.toNanos();
        this.capNanos = cap.toNanos();
        this.clock = nanoClock;
    }

    /**
     * Queues a key to run now.
     *
     * @return false if it was already waiting or dispatched (coalesced)
     */
    public boolean add(K key) {
        return enqueue(key, clock.getAsLong());
    }

    /**
     * Queues a key after its backoff delay and counts one more consecutive failure.
     *
     * @return the delay applied (a key already waiting keeps the earlier of both due times)
     */
    public synchronized Duration addRateLimited(K key) {
        int n = failures.merge(key, 1, Integer::sum);
        long delay = backoffNanos(n);
        enqueue(key, clock.getAsLong() + delay);
        return Duration.ofNanos(delay);
    }

    /** The delay of the n-th consecutive failure (n ≥ 1): {@code min(base * 2^(n-1), cap)}. */
    long backoffNanos(int n) {
        int shift = Math.min(n - 1, 62);
        long d = baseNanos << shift;
        return d <= 0 || (d >> shift) != baseNanos || d > capNanos ? capNanos : d;
    }

    private synchronized boolean enqueue(K key, long due) {
        if (dispatched.contains(key)) {
            return false;
        }
        Long prev = waiting.get(key);
        if (prev != null) {
            if (due < prev) {
                waiting.put(key, due);
                notifyAll();
            }
            return false;
        }
        waiting.put(key, due);
        notifyAll();
        return true;
    }

    /** Resets a key's consecutive failures (its next rate-limited add waits {@code base}). */
    public synchronized void forget(K key) {
        failures.remove(key);
    }

    /** Consecutive rate-limited adds of a key since its last {@link #forget}. */
    public synchronized int failures(K key) {
        return failures.getOrDefault(key, 0);
    }

    /** The work on a key began (or its dispatch failed): adds queue it again. */
    public synchronized void started(K key) {
        dispatched.remove(key);
    }

    /** Removes a key entirely (a graph retired by a reload). */
    public synchronized void remove(K key) {
        waiting.remove(key);
        dispatched.remove(key);
        failures.remove(key);
    }

    /** The earliest due key, now dispatched; null if none is due yet. */
    public synchronized K poll() {
        long now = clock.getAsLong();
        K best = null;
        long bestDue = Long.MAX_VALUE;
        for (Map.Entry<K, Long> e : waiting.entrySet()) {
            if (e.getValue() - now <= 0 && (best == null || e.getValue() - bestDue < 0)) {
                best = e.getKey();
                bestDue = e.getValue();
            }
        }
        if (best != null) {
            waiting.remove(best);
            dispatched.add(best);
        }
        return best;
    }

    /** Nanoseconds until the earliest waiting key is due (0 if one is due), or -1 if none waits. */
    public synchronized long nanosUntilNext() {
        long now = clock.getAsLong();
        long min = -1;
        for (long due : waiting.values()) {
            long d = Math.max(0, due - now);
            min = min < 0 ? d : Math.min(min, d);
        }
        return min;
    }

    /**
     * Blocks until a key is due (real time: the clock must advance like {@code System.nanoTime}),
     * then dispatches it.
     *
     * @return the key, or null after {@link #shutdown()}
     */
    public synchronized K take() throws InterruptedException {
        while (!shutdown) {
            K k = poll();
            if (k != null) {
                return k;
            }
            long wait = nanosUntilNext();
            if (wait < 0) {
                wait(); // nothing waits: until an add or shutdown
            } else if (wait > 0) {
                wait(wait / 1_000_000, (int) (wait % 1_000_000)); // until the earliest is due, or an earlier add
            }
        }
        return null;
    }

    /** Wakes {@link #take()} callers, which return null from now on. */
    public synchronized void shutdown() {
        shutdown = true;
        notifyAll();
    }
}
