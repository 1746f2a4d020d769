package reconciler.storage;

import java.util.Map;

/**
 * Lance transaction property keys of protocol v1 (docs/protocol.md). Every commit a writer or the
 * reconciler makes carries them, so a reader can tell whose commit a table version is. Code reads and
 * writes them through the typed {@link CommitLabel}; these are the wire names.
 */
public final class CommitProperties {
    private CommitProperties() {
    }

    /** The operation (ULID) the commit belongs to. */
    public static final String OPERATION_ID = "reconciler.operation_id";
    /** The committer's fencing token for the table's lease (decimal). */
    public static final String FENCING_TOKEN = "reconciler.fencing_token";
    /** {@code writer} for a writer's commit, {@code roll_back} for a compensating Restore. */
    public static final String ROLE = "reconciler.role";

    /** On a compensating Restore: the version whose content it restores (the manifest pin). */
    public static final String RESTORED_TO = "reconciler.restored_to";

    public static final String ROLE_WRITER = "writer";
    public static final String ROLE_ROLL_BACK = "roll_back";

    /** Properties of a commit. */
    public static Map<String, String> of(String operationId, long fencingToken, String role) {
        return Map.of(OPERATION_ID, operationId, FENCING_TOKEN, Long.toString(fencingToken), ROLE, role);
    }

    /** The fencing token recorded on a commit, or -1 if absent or unparseable ({@link CommitLabel#fencingToken()}). */
    public static long fencingToken(CommitInfo c) {
        return c.label().fencingToken();
    }
}
