package reconciler.storage;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Process-wide counts of storage requests, by operation ({@code read}, {@code create},
 * {@code replace}, {@code delete}, {@code list} through {@link CountingGraphStore}, and
 * {@code lance.open} for every Lance dataset open by {@link LanceTables}). The daemon exports them
 * as metrics; the idle-cost benchmark reads them.
 */
public final class StorageStats {
    private StorageStats() {
    }

    private static final ConcurrentHashMap<String, LongAdder> COUNTS = new ConcurrentHashMap<>();

    /** Counts one request of {@code op}. */
    public static void count(String op) {
        COUNTS.computeIfAbsent(op, k -> new LongAdder()).increment();
    }

    /** A snapshot of every count, by operation. */
    public static Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        COUNTS.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** The sum of every count. */
    public static long total() {
        return COUNTS.values().stream().mapToLong(LongAdder::sum).sum();
    }
}
