package reconciler.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.lance.FragmentMetadata;

class LanceTablesTest extends LocalStoreTestBase {

    static final TableKey PKG = TableKey.parse("node:Package");
    static final List<ColumnSpec> COLS = List.of(new ColumnSpec("name", "utf8"), new ColumnSpec("size", "int64"));
    static final String OP = "01JABCDEFGHJKMNPQRSTVWXYZ0";

    LanceTables tables;

    @BeforeEach
    void setUp() {
        tables = new LanceTables(store);
    }

    @AfterEach
    void tearDown() {
        tables.close();
    }

    private static List<Map<String, Object>> rows(int n, String prefix) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, Object> r = new HashMap<>();
            r.put("name", prefix + i);
            r.put("size", i % 2 == 0 ? (Object) (long) i : null);
            out.add(r);
        }
        return out;
    }

    private long append(int n, long readVersion, Map<String, String> props) {
        List<FragmentMetadata> frags = tables.stageAppend(PKG, COLS, rows(n, "r"));
        return tables.commitAppend(PKG, frags, readVersion, props);
    }

    @Test
    void createIfAbsentGivesVersionOneAndIsIdempotent() {
        assertFalse(tables.exists(PKG));
        assertEquals(1, tables.createIfAbsent(PKG, COLS));
        assertTrue(tables.exists(PKG));
        assertEquals(1, tables.headVersion(PKG));
        assertEquals(0, tables.countRows(PKG, 1));

        assertEquals(1, tables.createIfAbsent(PKG, COLS), "second create reports the existing version");
        assertEquals(1, tables.headVersion(PKG), "and does not commit anything");
    }

    @Test
    void createIfAbsentOnAnExistingTableReturnsItsHead() {
        tables.createIfAbsent(PKG, COLS);
        append(1, 1, CommitProperties.of(OP, 1, CommitProperties.ROLE_WRITER));
        assertEquals(2, tables.createIfAbsent(PKG, COLS));
        assertEquals(1, tables.countRows(PKG, 2), "existing rows are kept");
    }

    @Test
    void stagedAppendIsInvisibleUntilCommitted() {
        tables.createIfAbsent(PKG, COLS);
        List<FragmentMetadata> frags = tables.stageAppend(PKG, COLS, rows(3, "a"));
        assertFalse(frags.isEmpty());
        assertEquals(1, tables.headVersion(PKG), "staging commits nothing");
        assertEquals(0, tables.countRows(PKG, 1));

        assertEquals(2, tables.commitAppend(PKG, frags, 1, CommitProperties.of(OP, 4, CommitProperties.ROLE_WRITER)));
        assertEquals(2, tables.headVersion(PKG));
        assertEquals(3, tables.countRows(PKG, 2));
    }

    @Test
    void commitAtHeadLandsAtHeadPlusOneWithReadableTransactionProperties() {
        tables.createIfAbsent(PKG, COLS);
        long v = append(2, 1, CommitProperties.of(OP, 7, CommitProperties.ROLE_WRITER));
        assertEquals(2, v);

        CommitInfo c = tables.commitInfo(PKG, 2).orElseThrow();
        assertEquals(2, c.version());
        assertEquals("Append", c.operation());
        assertEquals(1, c.readVersion());
        assertEquals(OP, c.property(CommitProperties.OPERATION_ID));
        assertEquals("7", c.property(CommitProperties.FENCING_TOKEN));
        assertEquals(CommitProperties.ROLE_WRITER, c.property(CommitProperties.ROLE));
        assertEquals(7, CommitProperties.fencingToken(c));
        assertEquals(CommitProperties.of(OP, 7, CommitProperties.ROLE_WRITER), c.properties());
    }

    /**
     * Lance rebases a commit read at a stale version onto HEAD instead of refusing it. This is why
     * the writer compares HEAD with the manifest pin (under its lease) before committing and checks
     * where its commit landed.
     */
    @Test
    void commitReadAtStaleVersionIsRebasedOntoHeadNotRefused() {
        tables.createIfAbsent(PKG, COLS);
        assertEquals(2, append(2, 1, CommitProperties.of("01JAAAAAAAAAAAAAAAAAAAAAAA", 1, CommitProperties.ROLE_WRITER)));
        assertEquals(3, append(3, 2, CommitProperties.of("01JBBBBBBBBBBBBBBBBBBBBBBB", 1, CommitProperties.ROLE_WRITER)));

        long landed = append(4, 1, CommitProperties.of(OP, 1, CommitProperties.ROLE_WRITER));
        assertEquals(4, landed, "the stale commit (read at 1) lands at HEAD + 1, not at 2");
        assertEquals(4, tables.headVersion(PKG));
        assertEquals(2 + 3 + 4, tables.countRows(PKG, 4), "it carries both histories");
        CommitInfo c = tables.commitInfo(PKG, 4).orElseThrow();
        assertEquals("Append", c.operation());
        assertEquals(OP, c.property(CommitProperties.OPERATION_ID));
    }

    @Test
    void restoreAppendsANewVersionWithTheTargetsContent() {
        tables.createIfAbsent(PKG, COLS);
        assertEquals(2, append(2, 1, CommitProperties.of("01JAAAAAAAAAAAAAAAAAAAAAAA", 1, CommitProperties.ROLE_WRITER)));
        assertEquals(3, append(5, 2, CommitProperties.of(OP, 2, CommitProperties.ROLE_WRITER)));

        Map<String, String> props = new HashMap<>(CommitProperties.of(OP, 3, CommitProperties.ROLE_ROLL_BACK));
        props.put(CommitProperties.RESTORED_TO, "2");
        long v = tables.restore(PKG, 2, props);

        assertEquals(4, v, "restore appends; history is not rewritten");
        assertEquals(4, tables.headVersion(PKG));
        assertEquals(tables.countRows(PKG, 2), tables.countRows(PKG, 4));
        assertEquals(2, tables.countRows(PKG, 4));
        assertEquals(7, tables.countRows(PKG, 3), "the restored-away version is still readable");

        CommitInfo c = tables.commitInfo(PKG, 4).orElseThrow();
        assertEquals("Restore", c.operation());
        assertEquals(CommitProperties.ROLE_ROLL_BACK, c.property(CommitProperties.ROLE));
        assertEquals("2", c.property(CommitProperties.RESTORED_TO));
        assertEquals(OP, c.property(CommitProperties.OPERATION_ID));
    }

    @Test
    void countRowsAtOlderVersions() {
        tables.createIfAbsent(PKG, COLS);
        append(1, 1, Map.of());
        append(10, 2, Map.of());
        append(100, 3, Map.of());
        assertEquals(0, tables.countRows(PKG, 1));
        assertEquals(1, tables.countRows(PKG, 2));
        assertEquals(11, tables.countRows(PKG, 3));
        assertEquals(111, tables.countRows(PKG, 4));
    }

    @Test
    void commitWithoutPropertiesHasEmptyProperties() {
        tables.createIfAbsent(PKG, COLS);
        append(1, 1, Map.of());
        CommitInfo c = tables.commitInfo(PKG, 2).orElseThrow();
        assertEquals("Append", c.operation());
        assertTrue(c.properties().isEmpty(), c.properties().toString());
        assertEquals(-1, CommitProperties.fencingToken(c));
    }

    @Test
    void commitInfoOfAMissingVersionThrows() {
        tables.createIfAbsent(PKG, COLS);
        assertThrows(RuntimeException.class, () -> tables.commitInfo(PKG, 9));
    }

    @Test
    void stagingAnUndeclaredColumnIsRejected() {
        tables.createIfAbsent(PKG, COLS);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tables.stageAppend(PKG, COLS, List.of(Map.of("nope", "x"))));
        assertTrue(e.getMessage().contains("nope") && e.getMessage().contains("node:Package"), e.getMessage());
        assertTrue(tables.stageAppend(PKG, COLS, List.of()).isEmpty());
    }

    @Test
    void tablesAreIndependent() {
        TableKey dep = TableKey.parse("edge:DependsOn");
        tables.createIfAbsent(PKG, COLS);
        tables.createIfAbsent(dep, COLS);
        append(3, 1, Map.of());
        assertEquals(2, tables.headVersion(PKG));
        assertEquals(1, tables.headVersion(dep));
        assertEquals(0, tables.countRows(dep, 1));
    }
}
