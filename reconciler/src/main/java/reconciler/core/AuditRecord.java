package reconciler.core;

import java.time.Instant;
import java.util.List;

/**
 * One durable recovery record (docs/protocol.md, "Audit"). Stored as
 * {@code _audit/<operationId>.<outcome>.json}, created create-only so there is exactly one per
 * (operation, outcome) across retries and concurrent daemons; the same JSON, on one line, is
 * appended to the local audit log.
 *
 * @param formatVersion {@value #FORMAT_VERSION}
 * @param graphId the graph
 * @param graphRoot the graph root as configured
 * @param operationId the sidecar's operation
 * @param outcome {@code finished}, {@code aborted}, {@code rolled_forward}, {@code rolled_back}, {@code deferred},
 *     {@code reverted_fenced_commits} (then operationId is the repair's own id), or {@code orphaned_branch_discarded}
 * @param writerKind the sidecar's writer kind
 * @param writerHost the sidecar's writer host
 * @param writerPid the sidecar's writer pid
 * @param manifestVersion the manifest version that published the outcome (0 for aborted and deferred)
 * @param tables per table: from (pin before) and to (pin after) version and the state seen
 * @param reason the classification reason
 * @param recoveredBy {@code host:pid} of the reconciler that acted
 * @param at when the record was made
 */
public record AuditRecord(int formatVersion, String graphId, String graphRoot, String operationId, String outcome,
                          String writerKind, String writerHost, long writerPid, long manifestVersion,
                          List<TableOutcome> tables, String reason, String recoveredBy, Instant at) {

    public static final int FORMAT_VERSION = 1;

    public static final String FINISHED = "finished";
    public static final String ABORTED = "aborted";
    public static final String ROLLED_FORWARD = "rolled_forward";
    public static final String ROLLED_BACK = "rolled_back";
    public static final String DEFERRED = "deferred";
    /** Drift no sidecar covered, made only of fenced-off commits, was restored away. */
    public static final String REVERTED_FENCED = "reverted_fenced_commits";
    /** A sidecar of a deleted branch was discarded (its effects went with the branch's Lance branches); manifestVersion 0. */
    public static final String ORPHANED_BRANCH_DISCARDED = "orphaned_branch_discarded";

    public AuditRecord {
        tables = List.copyOf(tables);
    }

    /**
     * @param tableKey the table
     * @param fromVersion the pin before
     * @param toVersion the pin after (equal to from when unchanged)
     * @param state the classification state of the table
     */
    public record TableOutcome(String tableKey, long fromVersion, long toVersion, String state) {
    }

    /** The storage key of this record. */
    public String key() {
        return key(operationId, outcome);
    }

    /** The storage key of a record. */
    public static String key(String operationId, String outcome) {
        return reconciler.graph.Graph.AUDIT_DIR + "/" + operationId + "." + outcome + ".json";
    }
}
