package reconciler.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lance.Dataset;
import org.lance.ipc.LanceScanner;
import org.lance.ipc.ScanOptions;

/**
 * Every kind of staged write on a real Lance table: nothing is visible until the commit, the
 * commit is one version carrying its properties, and the content is what the kind means.
 */
class LanceWritesTest {

    static final TableKey T = TableKey.parse("node:Item");
    static final List<ColumnSpec> COLS = List.of(new ColumnSpec("id", "int64 not null"), new ColumnSpec("name", "utf8"),
            new ColumnSpec("score", "float64"), new ColumnSpec("seen", "timestamp[us, UTC]"));
    static final Schema SCHEMA = LanceTables.arrowSchema(COLS);
    static final Map<String, String> PROPS = CommitProperties.of("01JABCDEFGHJKMNPQRSTVWXYZ0", 3, CommitProperties.ROLE_WRITER);

    @TempDir
    Path dir;
    LanceTables tables;
    long v;

    @BeforeEach
    void setUp() throws Exception {
        tables = new LanceTables(new LocalGraphStore(dir));
        v = tables.createIfAbsent(T, SCHEMA);
        for (int f = 0; f < 3; f++) { // three fragments of 10 rows: ids f*10 .. f*10+9
            try (ArrowReader r = reader(f * 10, 10, "a")) {
                v = tables.commit(T, tables.writes().stageAppend(T, COLS, r), v, PROPS);
            }
        }
    }

    @AfterEach
    void tearDown() {
        tables.close();
    }

    ArrowReader reader(int from, int n, String tag) {
        List<Map<String, Object>> rows = TestRows.range(from, n, i -> {
            Map<String, Object> r = new java.util.HashMap<>();
            r.put("id", (long) i);
            r.put("name", tag + i);
            r.put("score", i / 2.0);
            r.put("seen", Instant.ofEpochSecond(1_700_000_000L + i, 123_000));
            return r;
        });
        return ArrowRows.reader(tables.allocator(), SCHEMA, rows, 4);
    }

    /** id → name at {@code version}. */
    Map<Long, String> content(long version) throws Exception {
        Map<Long, String> out = new TreeMap<>();
        try (Dataset ds = tables.openAt(T, version);
             LanceScanner s = ds.newScan(new ScanOptions.Builder().columns(List.of("id", "name")).build());
             ArrowReader r = s.scanBatches()) {
            while (r.loadNextBatch()) {
                VectorSchemaRoot root = r.getVectorSchemaRoot();
                for (int i = 0; i < root.getRowCount(); i++) {
                    out.put((Long) root.getVector("id").getObject(i), root.getVector("name").getObject(i).toString());
                }
            }
        }
        return out;
    }

    @Test
    void appendStagesFragmentsCommittedAsOneVersion() throws Exception {
        assertEquals(30, content(v).size());
        StagedWrite.Appended a = tables.writes().stageAppend(T, COLS, reader(100, 9, "n"));
        assertEquals(9, a.rowsWritten());
        assertEquals(v, tables.headVersion(T), "staging commits nothing");
        long landed = tables.commit(T, a, v, PROPS);
        assertEquals(v + 1, landed);
        assertEquals(39, content(landed).size());
        assertEquals("Append", tables.commitInfo(T, landed).orElseThrow().operation());
        assertEquals(PROPS, tables.commitInfo(T, landed).orElseThrow().properties());
    }

    @Test
    void deleteRemovesMatchingRowsAndWholeFragments() throws Exception {
        StagedWrite.Deleted d = tables.writes().stageDelete(T, v, "id < 10 OR id = 15 OR id = 27");
        assertEquals(12, d.rowsRemoved());
        assertEquals(List.of(0L), d.removedFragmentIds(), "the fragment whose rows all match is removed whole");
        assertEquals(2, d.updatedFragments().size());
        assertEquals(v, tables.headVersion(T));
        assertEquals(30, content(v).size(), "nothing visible before the commit");
        long landed = tables.commit(T, d, v, PROPS);
        assertEquals(v + 1, landed);
        Map<Long, String> after = content(landed);
        assertEquals(18, after.size());
        assertTrue(!after.containsKey(5L) && !after.containsKey(15L) && !after.containsKey(27L) && after.containsKey(16L));
        assertEquals("Delete", tables.commitInfo(T, landed).orElseThrow().operation());
        assertEquals(30, content(v).size(), "the read version is unchanged");
    }

    @Test
    void deleteMatchingNothingIsAnEmptyCommit() throws Exception {
        StagedWrite.Deleted d = tables.writes().stageDelete(T, v, "id > 1000");
        assertEquals(0, d.rowsRemoved());
        long landed = tables.commit(T, d, v, PROPS);
        assertEquals(v + 1, landed, "still one version: the operation's commit exists even when it changes nothing");
        assertEquals(30, content(landed).size());
    }

    @Test
    void upsertReplacesRowsWithMatchingKeysAndAddsTheRest() throws Exception {
        StagedWrite.Upserted u = tables.writes().stageUpsert(T, COLS, v, List.of("id"), reader(25, 10, "u")); // 25..34
        assertEquals(10, u.rowsWritten());
        assertEquals(5, u.rowsRemoved(), "ids 25..29 existed");
        long landed = tables.commit(T, u, v, PROPS);
        Map<Long, String> after = content(landed);
        assertEquals(35, after.size());
        assertEquals("a24", after.get(24L));
        assertEquals("u25", after.get(25L));
        assertEquals("u34", after.get(34L));
        assertEquals("Update", tables.commitInfo(T, landed).orElseThrow().operation());
    }

    @Test
    void upsertRefusesRepeatedOrNullKeysAndUnknownKeyColumns() {
        List<Map<String, Object>> twice = List.of(Map.of("id", 1L, "name", "x"), Map.of("id", 1L, "name", "y"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tables.writes().stageUpsert(T, COLS, v, List.of("id"), ArrowRows.reader(tables.allocator(), SCHEMA, twice, 10)));
        assertTrue(e.getMessage().contains("appears twice"), e.getMessage());
        IllegalArgumentException k = assertThrows(IllegalArgumentException.class,
                () -> tables.writes().stageUpsert(T, COLS, v, List.of("nope"), reader(0, 1, "x")));
        assertTrue(k.getMessage().contains("'nope'"), k.getMessage());
        List<Map<String, Object>> nul = new ArrayList<>();
        Map<String, Object> r = new java.util.HashMap<>();
        r.put("id", 7L);
        r.put("name", null);
        nul.add(r);
        IllegalArgumentException n = assertThrows(IllegalArgumentException.class,
                () -> tables.writes().stageUpsert(T, COLS, v, List.of("name"), ArrowRows.reader(tables.allocator(), SCHEMA, nul, 10)));
        assertTrue(n.getMessage().contains("null key"), n.getMessage());
    }

    @Test
    void overwriteReplacesEveryRow() throws Exception {
        StagedWrite.Overwritten o = tables.writes().stageOverwrite(T, COLS, v, reader(500, 3, "o"));
        assertEquals(30, o.rowsRemoved());
        long landed = tables.commit(T, o, v, PROPS);
        assertEquals(Map.of(500L, "o500", 501L, "o501", 502L, "o502"), content(landed));
        assertEquals("Overwrite", tables.commitInfo(T, landed).orElseThrow().operation());
    }

    @Test
    void aRollBackRestoresEveryKindToThePin() throws Exception {
        Map<Long, String> pinned = content(v);
        for (StagedWrite w : List.of(tables.writes().stageDelete(T, v, "id < 12"),
                tables.writes().stageUpsert(T, COLS, v, List.of("id"), reader(5, 3, "u")),
                tables.writes().stageOverwrite(T, COLS, v, reader(900, 2, "o")))) {
            long head = tables.headVersion(T);
            long landed = tables.commit(T, w, head, PROPS);
            long restored = tables.restore(T, head, Map.of());
            assertEquals(landed + 1, restored);
            assertEquals(pinned, content(restored), w.kind() + " rolled back");
        }
    }

    @Test
    void dataWithOtherColumnsIsRefusedNamingBoth() {
        Schema other = LanceTables.arrowSchema(List.of(new ColumnSpec("id", "int64 not null"), new ColumnSpec("name", "utf8")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tables.writes().stageAppend(T, COLS,
                ArrowRows.reader(tables.allocator(), other, List.of(Map.of("id", 1L, "name", "x")), 10)));
        assertTrue(e.getMessage().contains("[id: int64 not null, name: utf8]") && e.getMessage().contains("timestamp[us, UTC]"), e.getMessage());
    }

    @Test
    void aPredicateLanceCannotParseIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tables.writes().stageDelete(T, v, "id <<< 3"));
        assertTrue(e.getMessage().contains("id <<< 3"), e.getMessage());
    }

    /**
     * Arrow Java's IPC reader slices one message body, so a decimal buffer can start 8 bytes off a
     * 16-byte boundary; Lance aborts the whole JVM on such a buffer. Decimal columns are copied into
     * fresh allocations on the way in (without that, this test kills its own JVM).
     */
    @Test
    void decimalsFromAnIpcStreamAreWrittenNotAFatalMisalignment() throws Exception {
        List<ColumnSpec> cols = List.of(new ColumnSpec("id", "int8"), new ColumnSpec("amount", "decimal128(12, 2)"));
        TableKey t = TableKey.parse("node:Money");
        long mv = tables.createIfAbsent(t, LanceTables.arrowSchema(cols));
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (ArrowReader rows = ArrowRows.reader(tables.allocator(), LanceTables.arrowSchema(cols),
                List.of(Map.of("id", 1, "amount", new java.math.BigDecimal("12.34")), Map.of("id", 2, "amount", new java.math.BigDecimal("-0.50"))), 10);
             org.apache.arrow.vector.ipc.ArrowStreamWriter w = new org.apache.arrow.vector.ipc.ArrowStreamWriter(rows.getVectorSchemaRoot(), null, bytes)) {
            w.start();
            while (rows.loadNextBatch()) {
                w.writeBatch();
            }
            w.end();
        }
        try (ArrowReader ipc = new org.apache.arrow.vector.ipc.ArrowStreamReader(new java.io.ByteArrayInputStream(bytes.toByteArray()), tables.allocator())) {
            long landed = tables.commit(t, tables.writes().stageAppend(t, cols, ipc), mv, PROPS);
            try (Dataset ds = tables.openAt(t, landed)) {
                assertEquals(2, ds.countRows());
            }
        }
    }

    @Test
    void dataFromAnotherRootAllocatorIsAccepted() throws Exception {
        try (org.apache.arrow.memory.BufferAllocator app = new org.apache.arrow.memory.RootAllocator();
             ArrowReader r = ArrowRows.reader(app, SCHEMA, List.of(Map.of("id", 900L, "name", "app")), 10)) {
            long landed = tables.commit(T, tables.writes().stageAppend(T, COLS, r), v, PROPS);
            assertEquals("app", content(landed).get(900L));
        }
    }
}
