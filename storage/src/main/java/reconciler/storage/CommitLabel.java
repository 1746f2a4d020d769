package reconciler.storage;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The label protocol v1 puts on every commit it makes, as Lance transaction properties
 * (docs/protocol.md, "Lance commits"; the keys are {@link CommitProperties}): the operation that
 * made the commit, the fencing token it held, its role, and for a compensating Restore the version
 * whose content it restores. Typed, so that no caller compares property strings.
 *
 * <p>A commit made outside the protocol (Lance's own maintenance, another tool) carries none of
 * these: {@link #of(CommitInfo)} reads the missing parts as absent ({@code null} operation id,
 * token and {@code restoredTo} of {@code -1}, no role), and an unparseable token as absent.
 *
 * @param operationId the operation (ULID), or {@code null}
 * @param fencingToken the committer's fencing token for the table's lease, or {@code -1}
 * @param role the committer's role, or empty when absent or not one of {@link Role}
 * @param restoredTo for a {@link Role#ROLL_BACK} Restore, the version whose content it restores; otherwise {@code -1}
 */
public record CommitLabel(String operationId, long fencingToken, Optional<Role> role, long restoredTo) {

    /** Who committed: a writer's commit, or the reconciler's compensating Restore. */
    public enum Role {
        /** A writer's commit (also the indexer's and compaction's, which write as writers). */
        WRITER(CommitProperties.ROLE_WRITER),
        /** A compensating Restore made by a roll back or a drift repair. */
        ROLL_BACK(CommitProperties.ROLE_ROLL_BACK);

        private final String wire;

        Role(String wire) {
            this.wire = wire;
        }

        /** The property value, e.g. {@code roll_back}. */
        public String wire() {
            return wire;
        }

        static Optional<Role> parse(String wire) {
            for (Role r : values()) {
                if (r.wire.equals(wire)) {
                    return Optional.of(r);
                }
            }
            return Optional.empty();
        }
    }

    /** The label of a writer's commit. */
    public static CommitLabel writer(String operationId, long fencingToken) {
        return new CommitLabel(operationId, fencingToken, Optional.of(Role.WRITER), -1);
    }

    /** The label of a compensating Restore of the content of version {@code restoredTo}. */
    public static CommitLabel rollBack(String operationId, long fencingToken, long restoredTo) {
        return new CommitLabel(operationId, fencingToken, Optional.of(Role.ROLL_BACK), restoredTo);
    }

    /** Reads the label a commit carries (parts it lacks read as absent). */
    public static CommitLabel of(CommitInfo commit) {
        return new CommitLabel(commit.property(CommitProperties.OPERATION_ID), number(commit.property(CommitProperties.FENCING_TOKEN)),
                Role.parse(commit.property(CommitProperties.ROLE)), number(commit.property(CommitProperties.RESTORED_TO)));
    }

    /** The transaction properties to commit with (insertion-ordered). */
    public Map<String, String> properties() {
        Map<String, String> p = new LinkedHashMap<>(CommitProperties.of(operationId, fencingToken,
                role.orElseThrow(() -> new IllegalStateException("a label to commit with needs a role")).wire()));
        if (restoredTo >= 0) {
            p.put(CommitProperties.RESTORED_TO, Long.toString(restoredTo));
        }
        return p;
    }

    /** Whether this is a writer's commit of {@code operation} under {@code token}. */
    public boolean isWriterCommitOf(String operation, long token) {
        return isWriter() && operation.equals(operationId) && fencingToken == token;
    }

    /** Whether a writer made this commit. */
    public boolean isWriter() {
        return role.equals(Optional.of(Role.WRITER));
    }

    /** Whether this is a compensating Restore of the content of version {@code pin}. */
    public boolean isRollBackTo(long pin) {
        return role.equals(Optional.of(Role.ROLL_BACK)) && restoredTo == pin;
    }

    private static long number(String s) {
        try {
            return s == null ? -1 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
