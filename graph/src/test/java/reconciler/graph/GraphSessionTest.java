package reconciler.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reconciler.leases.ZooKeeperLeases;
import reconciler.manifest.Manifest;
import reconciler.manifest.ManifestConflictException;
import reconciler.storage.ArrowRows;
import reconciler.storage.ArrowTypes;
import reconciler.storage.TableKey;
import reconciler.storage.TestRows;

/**
 * The graph library end to end on real Lance tables and a real ZooKeeper server: tables from Arrow
 * schemas, a transaction of every write kind across tables, snapshot reads at the pins, and the
 * refusals.
 */
class GraphSessionTest {

    @RegisterExtension
    static final ZooKeeperLeases ZK = new ZooKeeperLeases(100);

    @TempDir
    Path dir;
    GraphSession g;

    static final Schema PERSON = schema("id: int64 not null", "name: utf8", "born: date32", "score: float64", "seen: timestamp[us, UTC]",
            "balance: decimal128(12, 2)", "active: bool", "tags: list<utf8>", "address: struct<city: utf8, zip: int32>");
    static final Schema KNOWS = schema("src: int64", "dst: int64", "since: int32");
    static final Schema CITY = schema("name: utf8 not null", "population: int64", "embedding: vector64");

    static Schema schema(String... cols) {
        List<Field> fields = new ArrayList<>();
        for (String c : cols) {
            int i = c.indexOf(':');
            fields.add(ArrowTypes.field(c.substring(0, i).trim(), c.substring(i + 1).trim()));
        }
        return new Schema(fields);
    }

    @BeforeEach
    void open() throws Exception {
        g = GraphSession.open(dir.resolve("social").toString(), GraphSession.Options.defaults().withZookeeper(ZK.connectString()));
        g.init("social", Map.of("node:Person", PERSON, "edge:Knows", KNOWS));
    }

    @AfterEach
    void close() {
        g.close();
    }

    ArrowReader people(int from, int n, String tag) {
        List<Map<String, Object>> rows = TestRows.range(from, n, i -> {
            Map<String, Object> r = new HashMap<>();
            r.put("id", (long) i);
            r.put("name", tag + i);
            r.put("born", LocalDate.of(1990, 1, 1).plusDays(i));
            r.put("score", i * 1.5);
            r.put("seen", Instant.ofEpochSecond(1_700_000_000L + i));
            r.put("balance", new BigDecimal(i + ".25"));
            r.put("active", i % 2 == 0);
            return r; // tags and address left null: map rows cannot fill lists and structs
        });
        return ArrowRows.reader(g.graph().tables().allocator(), PERSON, rows, 100);
    }

    ArrowReader knows(long... pairs) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < pairs.length; i += 2) {
            rows.add(Map.of("src", pairs[i], "dst", pairs[i + 1], "since", 2000 + i));
        }
        return ArrowRows.reader(g.graph().tables().allocator(), KNOWS, rows, 100);
    }

    /** id → name of node:Person in {@code snap}. */
    static Map<Long, String> names(GraphSnapshot snap, String filter) throws Exception {
        Map<Long, String> out = new TreeMap<>();
        try (ScanResult r = snap.scan("node:Person", List.of("id", "name"), filter, 0)) {
            while (r.loadNextBatch()) {
                VectorSchemaRoot root = r.getVectorSchemaRoot();
                for (int i = 0; i < root.getRowCount(); i++) {
                    out.put((Long) root.getVector("id").getObject(i), String.valueOf(root.getVector("name").getObject(i)));
                }
            }
        }
        return out;
    }

    @Test
    void theManifestRecordsEveryColumnTypeOfTheArrowSchema() throws Exception {
        Manifest m = g.graph().manifests().require();
        assertEquals(PERSON, g.snapshot().schema("node:Person"));
        assertEquals("struct<city: utf8, zip: int32>", m.pin("node:Person").columns().get(8).type());
        assertEquals("timestamp[us, UTC]", m.pin("node:Person").columns().get(4).type());
        try (GraphTransaction tx = g.begin("test")) {
            tx.append("node:Person", people(0, 3, "p"));
            tx.commit();
        }
        try (GraphSnapshot s = g.snapshot(); ScanResult r = s.lookup("node:Person", "id", 2L, List.of())) {
            assertTrue(r.loadNextBatch());
            VectorSchemaRoot root = r.getVectorSchemaRoot();
            assertEquals(1, root.getRowCount());
            assertEquals(LocalDate.of(1990, 1, 3), LocalDate.ofEpochDay((Integer) root.getVector("born").getObject(0)));
            assertEquals(new BigDecimal("2.25"), root.getVector("balance").getObject(0));
            assertEquals(true, root.getVector("active").getObject(0));
            assertTrue(root.getVector("tags").isNull(0));
        }
    }

    @Test
    void oneTransactionOfEveryWriteKindAcrossTablesIsPublishedAtOnce() throws Exception {
        g.createTable("node:City", CITY);
        try (GraphTransaction tx = g.begin("seed")) {
            tx.append("node:Person", people(0, 10, "p"));
            tx.append("edge:Knows", knows(0, 1, 1, 2, 2, 3, 8, 9));
            tx.append("node:City", ArrowRows.reader(g.graph().tables().allocator(), CITY,
                    List.of(Map.of("name", "Oslo", "population", 700_000L), Map.of("name", "Lyon", "population", 500_000L)), 10));
            tx.commit();
        }
        long before = g.graph().manifests().require().version();
        GraphTransaction.Result r;
        try (GraphTransaction tx = g.begin("mutate")) {
            tx.upsert("node:Person", List.of("id"), people(8, 4, "u"));     // 8, 9 replaced; 10, 11 added
            tx.delete("edge:Knows", "src >= 2");                             // 2 of 4 edges
            tx.overwrite("node:City", ArrowRows.reader(g.graph().tables().allocator(), CITY,
                    List.of(Map.of("name", "Bergen", "population", 290_000L)), 10));
            try (GraphSnapshot during = g.snapshot()) {
                assertEquals(before, during.version());
                assertEquals(4, during.count("edge:Knows", null), "staged writes are invisible");
            }
            r = tx.commit();
        }
        assertEquals(before + 1, r.manifestVersion(), "one manifest version for the whole transaction");
        assertEquals("upsert", r.tables().get("node:Person").kind());
        assertEquals(2, r.tables().get("node:Person").rowsRemoved());
        assertEquals(2, r.tables().get("edge:Knows").rowsRemoved());
        assertEquals(2, r.tables().get("node:City").rowsRemoved());
        try (GraphSnapshot now = g.snapshot(); GraphSnapshot old = g.snapshot(before)) {
            Map<Long, String> p = names(now, null);
            assertEquals(12, p.size());
            assertEquals("p7", p.get(7L));
            assertEquals("u9", p.get(9L));
            assertEquals("u11", p.get(11L));
            assertEquals(2, now.count("edge:Knows", null));
            assertEquals(1, now.count("node:City", null));
            assertEquals("p9", names(old, null).get(9L), "the snapshot before sees the old rows");
            assertEquals(4, old.count("edge:Knows", null));
            assertEquals(Map.of(2L, "p2", 3L, "p3"), names(now, "id IN (2, 3)"), "filter and projection");
        }
        assertTrue(g.graph().sidecars().list().isEmpty());
        for (String t : List.of("node:Person", "edge:Knows", "node:City")) {
            assertEquals(g.graph().manifests().require().pin(t).version(), g.graph().tables().headVersion(TableKey.parse(t)));
        }
    }

    @Test
    void aTransactionClosedWithoutCommitLeavesNothingVisible() throws Exception {
        Manifest m = g.graph().manifests().require();
        long head = g.graph().tables().headVersion(TableKey.parse("node:Person"));
        try (GraphTransaction tx = g.begin("abandoned")) {
            tx.append("node:Person", people(0, 5, "x"));
        }
        assertEquals(m, g.graph().manifests().require());
        assertEquals(head, g.graph().tables().headVersion(TableKey.parse("node:Person")));
        assertTrue(g.graph().sidecars().list().isEmpty());
    }

    @Test
    void aDeleteStagedAgainstAPinAnotherWriterMovedIsAConflictAndWritesNothing() throws Exception {
        try (GraphTransaction seed = g.begin("seed")) {
            seed.append("node:Person", people(0, 4, "p"));
            seed.commit();
        }
        try (GraphTransaction slow = g.begin("slow")) {
            slow.delete("node:Person", "id = 1");
            try (GraphTransaction fast = g.begin("fast")) {
                fast.append("node:Person", people(10, 1, "f"));
                fast.commit();
            }
            Manifest m = g.graph().manifests().require();
            ManifestConflictException e = assertThrows(ManifestConflictException.class, slow::commit);
            assertEquals("node:Person", e.tableKey());
            assertEquals(m, g.graph().manifests().require(), "nothing published");
            assertTrue(g.graph().sidecars().list().isEmpty(), "no sidecar");
        }
        try (GraphSnapshot s = g.snapshot()) {
            assertEquals(5, s.count("node:Person", null));
        }
    }

    @Test
    void appendsOfTwoWritersToOneTableBothLand() throws Exception {
        try (GraphTransaction a = g.begin("a"); GraphTransaction b = g.begin("b")) {
            a.append("node:Person", people(0, 2, "a"));
            b.append("node:Person", people(2, 2, "b"));
            a.commit();
            b.commit();
        }
        try (GraphSnapshot s = g.snapshot()) {
            assertEquals(4, s.count("node:Person", null), "an append is not bound to its read version");
        }
    }

    @Test
    void refusalsNameWhatIsWrong() throws Exception {
        try (GraphTransaction tx = g.begin("t")) {
            IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> tx.delete("node:Nope", "true"));
            assertTrue(unknown.getMessage().contains("no table node:Nope"), unknown.getMessage());
            tx.delete("edge:Knows", "src = 1");
            IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> tx.append("edge:Knows", knows(1, 2)));
            assertTrue(twice.getMessage().contains("one write per table"), twice.getMessage());
        }
        try (GraphTransaction tx = g.begin("t")) {
            assertThrows(IllegalStateException.class, tx::commit, "nothing staged");
        }
        assertInstanceOf(ManifestConflictException.class, assertThrows(ManifestConflictException.class,
                () -> g.createTable("node:Person", PERSON)));
        g.dropTable("edge:Knows");
        assertFalse(g.graph().manifests().require().tables().containsKey("edge:Knows"));
        assertEquals(Manifest.KIND_DROP_TABLE, g.graph().manifests().require().kind());
    }

    @Test
    void aCreatedTableIsPublishedAndACrashedCreateIsAdopted() throws Exception {
        // A create that died between the Lance create and the publish left an empty dataset.
        g.graph().tables().createIfAbsent(TableKey.parse("node:City"), CITY);
        Manifest m = g.createTable("node:City", CITY);
        assertEquals(Manifest.KIND_CREATE_TABLE, m.kind());
        assertEquals(1, m.pin("node:City").version());
        assertTrue(m.pin("node:City").fencingToken() > 0);
    }
}
