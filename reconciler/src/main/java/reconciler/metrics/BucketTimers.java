package reconciler.metrics;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Reservoir;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.Timer;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * Dropwizard timers whose reservoir counts durations into fixed buckets since the start, so
 * {@code GET /metrics} can export them as Prometheus histograms ({@code _seconds_bucket},
 * {@code _sum}, {@code _count}): buckets add up across daemons, summaries' quantiles do not.
 * JMX and {@code /metrics?format=json} still see an ordinary {@link Timer}; its quantiles are
 * the upper bound of the bucket holding the rank (capped by the largest value seen), so they are
 * approximate, never low.
 */
public final class BucketTimers {

    /** Bucket upper bounds in seconds: 1 ms to 1 hour (maintenance jobs run long); {@code +Inf} is implicit. */
    public static final double[] BOUNDS_SECONDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
            120, 300, 600, 1800, 3600};

    private BucketTimers() {
    }

    /** The timer {@code name} of {@code registry}, created with a bucket reservoir if absent. */
    public static Timer timer(MetricRegistry registry, String name) {
        return registry.timer(name, () -> new Timer(new BucketReservoir()));
    }

    /**
     * What a bucket timer holds: cumulative counts per bucket (index {@code i} counts durations
     * at most {@code BOUNDS_SECONDS[i]} and above the previous bound; the last index is
     * {@code +Inf}), the count and the sum in seconds.
     */
    public static final class BucketSnapshot extends Snapshot {
        private final long[] counts;
        private final long count;
        private final long sumNanos;
        private final long min;
        private final long max;

        BucketSnapshot(long[] counts, long count, long sumNanos, long min, long max) {
            this.counts = counts;
            this.count = count;
            this.sumNanos = sumNanos;
            this.min = min;
            this.max = max;
        }

        /** Non-cumulative counts per bucket, {@code BOUNDS_SECONDS.length + 1} entries (the last is {@code +Inf}). */
        public long[] bucketCounts() {
            return counts.clone();
        }

        /** How many durations were recorded. */
        public long count() {
            return count;
        }

        /** Their sum in seconds. */
        public double sumSeconds() {
            return sumNanos / 1e9;
        }

        @Override
        public double getValue(double quantile) {
            if (count == 0) {
                return 0;
            }
            long rank = (long) Math.ceil(quantile * count);
            long seen = 0;
            for (int i = 0; i < counts.length; i++) {
                seen += counts[i];
                if (seen >= Math.max(1, rank)) {
                    return i < BOUNDS_SECONDS.length ? Math.min(max, (long) (BOUNDS_SECONDS[i] * 1e9)) : max;
                }
            }
            return max;
        }

        @Override
        public long[] getValues() {
            return new long[0];
        }

        @Override
        public int size() {
            return (int) Math.min(Integer.MAX_VALUE, count);
        }

        @Override
        public long getMax() {
            return count == 0 ? 0 : max;
        }

        @Override
        public double getMean() {
            return count == 0 ? 0 : (double) sumNanos / count;
        }

        @Override
        public long getMin() {
            return count == 0 ? 0 : min;
        }

        @Override
        public double getStdDev() {
            return 0;
        }

        @Override
        public void dump(OutputStream output) {
            PrintWriter w = new PrintWriter(output, false, StandardCharsets.UTF_8);
            for (int i = 0; i < counts.length; i++) {
                w.printf("le=%s %d%n", i < BOUNDS_SECONDS.length ? Double.toString(BOUNDS_SECONDS[i]) : "+Inf", counts[i]);
            }
            w.flush();
        }
    }

    /** Durations in nanoseconds (what {@link Timer} passes) counted into {@link #BOUNDS_SECONDS}. */
    static final class BucketReservoir implements Reservoir {
        private final AtomicLongArray counts = new AtomicLongArray(BOUNDS_SECONDS.length + 1);
        private final LongAdder sum = new LongAdder();
        private final AtomicLong count = new AtomicLong();
        private final LongAccumulator min = new LongAccumulator(Math::min, Long.MAX_VALUE);
        private final LongAccumulator max = new LongAccumulator(Math::max, Long.MIN_VALUE);

        @Override
        public int size() {
            return (int) Math.min(Integer.MAX_VALUE, count.get());
        }

        @Override
        public void update(long nanos) {
            double seconds = nanos / (double) TimeUnit.SECONDS.toNanos(1);
            int i = 0;
            while (i < BOUNDS_SECONDS.length && seconds > BOUNDS_SECONDS[i]) {
                i++;
            }
            counts.incrementAndGet(i);
            sum.add(nanos);
            min.accumulate(nanos);
            max.accumulate(nanos);
            count.incrementAndGet();
        }

        @Override
        public Snapshot getSnapshot() {
            long[] c = new long[counts.length()];
            long n = 0;
            for (int i = 0; i < c.length; i++) {
                c[i] = counts.get(i);
                n += c[i];
            }
            return new BucketSnapshot(c, n, sum.sum(), min.get(), max.get());
        }
    }
}
