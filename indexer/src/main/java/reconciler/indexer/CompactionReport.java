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
     * @param status how it ended
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
    public record TableCompaction(String table, Status status, String detail, int tasks, int fragmentsBefore, int fragmentsAfter,
                                  long fromVersion, long toVersion, String operationId, long manifestVersion, long executeMillis) {
    }

    /** Tables compacted. */
    public long committed() {
        return tables.stream().filter(t -> t.status() == Status.COMMITTED).count();
    }

    /** How one table's compaction ended (serialised by name). */
    public enum Status {
        /** Below the thresholds, or the planner found nothing to rewrite. */
        NOT_NEEDED,
        /** Compacted, committed and published. */
        COMMITTED,
        /** Nothing written: a pending sidecar, drift or another operation on the table said no. */
        SKIPPED,
        /** The table's lease was not obtained in time. */
        BUSY,
        /** A step failed before anything landed. */
        FAILED,
        /** Something landed but was not published: the sidecar stays for the reconciler. */
        RECOVERY_REQUIRED;

        /** The compaction status of a commit that ended with {@code s}. */
        static Status of(CommitStatus s) {
            return valueOf(s.name());
        }
    }
}
