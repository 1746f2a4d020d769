package reconciler.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CommitLabelTest {

    private static CommitInfo commit(String operation, Map<String, String> properties) {
        return new CommitInfo(5, operation, 4, properties);
    }

    @Test
    void writerLabelRoundTripsThroughTheWireProperties() {
        Map<String, String> props = CommitLabel.writer("01OP", 7).properties();
        assertEquals(Map.of("reconciler.operation_id", "01OP", "reconciler.fencing_token", "7", "reconciler.role", "writer"), props);
        CommitLabel read = commit("Append", props).label();
        assertEquals(CommitLabel.writer("01OP", 7), read);
        assertTrue(read.isWriterCommitOf("01OP", 7));
        assertFalse(read.isWriterCommitOf("01OP", 6), "another token");
        assertFalse(read.isWriterCommitOf("01OTHER", 7), "another operation");
        assertFalse(read.isRollBackTo(4));
    }

    @Test
    void rollBackLabelCarriesTheRestoredVersion() {
        Map<String, String> props = CommitLabel.rollBack("01OP", 9, 3).properties();
        assertEquals("roll_back", props.get(CommitProperties.ROLE));
        assertEquals("3", props.get(CommitProperties.RESTORED_TO));
        CommitLabel read = commit("Restore", props).label();
        assertTrue(read.isRollBackTo(3));
        assertFalse(read.isRollBackTo(2));
        assertFalse(read.isWriter());
        assertFalse(read.isWriterCommitOf("01OP", 9), "a roll back is not the writer's commit");
    }

    @Test
    void aCommitOutsideTheProtocolReadsAsAbsentParts() {
        CommitLabel read = commit("Rewrite", Map.of()).label();
        assertEquals(new CommitLabel(null, -1, Optional.empty(), -1), read);
        assertFalse(read.isWriter());
        assertFalse(read.isRollBackTo(-1), "no role: never a roll back, whatever the version");
        assertThrows(IllegalStateException.class, read::properties, "a label without a role cannot be committed with");
    }

    @Test
    void anUnparseableTokenOrUnknownRoleReadsAsAbsent() {
        CommitLabel read = commit("Append", Map.of(CommitProperties.OPERATION_ID, "01OP", CommitProperties.FENCING_TOKEN, "x7",
                CommitProperties.ROLE, "janitor", CommitProperties.RESTORED_TO, "")).label();
        assertEquals(new CommitLabel("01OP", -1, Optional.empty(), -1), read);
        assertEquals(-1, CommitProperties.fencingToken(commit("Append", Map.of(CommitProperties.FENCING_TOKEN, "x7"))));
    }
}
