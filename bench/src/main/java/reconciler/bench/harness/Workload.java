package reconciler.bench.harness;

import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.lance.Dataset;
import reconciler.client.MaintenanceState;

/**
 * One kind of query the benchmark measures in every phase. A workload runs when the graph can
 * serve it: point lookups always (a filtered Lance scan at the pinned version); full-text and
 * vector queries only when the maintenance state shows that a catalog (the indexer) declares the
 * index they measure, so numbers are never published for an index nobody maintains.
 */
public interface Workload {

    /** Stable name in the JSON output ({@code point-lookup}, {@code full-text}, {@code vector-top-k}). */
    String name();

    /**
     * Why this workload does not run in this phase, or null when it runs.
     *
     * @param state the phase's maintenance state snapshot
     */
    String skipReason(MaintenanceState state);

    /** Runs the queries and returns the measurement. */
    Measurement run(Context ctx) throws Exception;

    /**
     * What a workload gets.
     *
     * @param packages {@code node:Package} opened at the manifest's pin for this phase
     * @param allocator Arrow allocator for scans
     * @param state the maintenance state snapshot of this phase
     * @param names package names known to be loaded (point-lookup keys)
     * @param terms words from loaded descriptions (full-text terms)
     * @param queries measured queries per workload
     * @param warmup unmeasured queries first
     * @param seed sampling seed (same keys in every phase)
     */
    record Context(Dataset packages, BufferAllocator allocator, MaintenanceState state, List<String> names, List<String> terms,
                   int queries, int warmup, long seed) {
    }

    /**
     * One workload's result in one phase.
     *
     * @param workload the workload's name
     * @param skipped why it did not run, or null
     * @param latencyMs latency summary, or null when skipped
     * @param hits queries that returned at least one row
     * @param recall mean recall@k against brute force (vector only), or null
     * @param details workload-specific values
     */
    record Measurement(String workload, String skipped, LatencyStats latencyMs, Integer hits, Double recall, Map<String, Object> details) {
        static Measurement skipped(String workload, String why) {
            return new Measurement(workload, why, null, null, null, Map.of());
        }
    }
}
