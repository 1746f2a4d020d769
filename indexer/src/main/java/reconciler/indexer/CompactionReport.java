package reconciler.indexer;

import java.util.List;

/**
 * The result of one compaction round over a graph.
 *
 * @param graphId the graph
 * @param tables per table
 */
public record CompactionReport(String graphId, List<TableCompaction> tables) {

    /**
     * @param table table key
     * @param status {@code NOT_NEEDED}, {@code COMMITTED}, {@code SKIPPED}, {@code BUSY}, {@code FAILED}, {@code RECOVERY_REQUIRED}
     * @param detail why (thresholds seen) and what happened
     * @param tasks compaction tasks planned
     * @param fragmentsBefore fragments at the pin before
     * @param fragmentsAfter fragments at the pin after (== before unless committed)
     * @param fromVersion pin before
     * @param toVersion pin after
     * @param operationId the commit's operation, or null
     * @param manifestVersion manifest version published, 0 if none
     * @param executeMillis time executing the tasks (outside the lease)
     */
    public record TableCompaction(String table, String status, String detail, int tasks, int fragmentsBefore, int fragmentsAfter,
                                  long fromVersion, long toVersion, String operationId, long manifestVersion, long executeMillis) {
    }

    /** Tables compacted. */
    public long committed() {
        return tables.stream().filter(t -> t.status().equals("COMMITTED")).count();
    }
}
