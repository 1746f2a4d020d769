package reconciler.bench.harness;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Latency summary of one workload in one phase, in milliseconds.
 *
 * @param count measured queries (warm-up excluded)
 * @param p50 median
 * @param p95 95th percentile
 * @param p99 99th percentile
 * @param mean mean
 * @param max maximum
 */
public record LatencyStats(int count, double p50, double p95, double p99, double mean, double max) {

    /** From per-query latencies in nanoseconds. */
    public static LatencyStats ofNanos(List<Long> nanos) {
        if (nanos.isEmpty()) {
            return new LatencyStats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        List<Double> ms = new ArrayList<>();
        double sum = 0;
        for (long n : nanos) {
            double m = n / 1e6;
            ms.add(m);
            sum += m;
        }
        Collections.sort(ms);
        return new LatencyStats(ms.size(), pct(ms, 50), pct(ms, 95), pct(ms, 99), sum / ms.size(), ms.get(ms.size() - 1));
    }

    private static double pct(List<Double> sorted, double p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }
}
