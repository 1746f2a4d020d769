package reconciler.manifest;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reconciler.storage.ColumnSpec;
import reconciler.storage.LocalStoreTestBase;

/**
 * The manifest format compatibility rule (docs/protocol.md "Format compatibility"): this reader reads
 * a manifest of every format version the project ever wrote (the fixtures under
 * {@code manifest-formats/}, never edited), writes the lowest version that expresses the content, and
 * refuses a newer version or an unknown field naming the key.
 */
class ManifestFormatTest extends LocalStoreTestBase {

    static final List<ColumnSpec> PLAIN = List.of(new ColumnSpec("name", "utf8"), new ColumnSpec("size", "int64"));

    ManifestStore manifests;

    @BeforeEach
    void setUp() {
        manifests = new ManifestStore(store);
    }

    private Manifest readFixture(String name, long version) throws IOException {
        byte[] bytes;
        try (InputStream in = getClass().getResourceAsStream("/manifest-formats/" + name)) {
            assertTrue(in != null, "fixture " + name);
            bytes = in.readAllBytes();
        }
        assertTrue(store.createIfAbsent(ManifestStore.key(version), bytes));
        return manifests.read(version).orElseThrow();
    }

    @Test
    void formatOneAsFirstReleasedIsRead() throws Exception {
        Manifest m = readFixture("format1-write.json", 16);
        assertEquals(1, m.formatVersion());
        assertEquals(Manifest.KIND_WRITE, m.kind());
        assertEquals(8, m.pin("node:Package").version());
        assertEquals(9, m.pin("node:Package").fencingToken());
        assertEquals("vector64", m.pin("node:Package").columns().get(2).type());
        assertEquals(List.of(), m.pin("node:Package").indexes());
    }

    @Test
    void formatOneAbortIsRead() throws Exception {
        Manifest m = readFixture("format1-abort.json", 17);
        assertEquals(Manifest.KIND_ABORT, m.kind());
        assertEquals(11, m.pin("edge:DependsOn").fencingToken());
    }

    @Test
    void formatOneLabelledManifestsWithLaterContentAreRead() throws Exception {
        Manifest catalog = readFixture("format1-legacy-catalog.json", 18);
        assertEquals(1, catalog.formatVersion());
        assertEquals("BTREE", catalog.pin("node:Package").index("by_name").type());

        Manifest create = readFixture("format1-legacy-create-table.json", 2);
        assertEquals(Manifest.KIND_CREATE_TABLE, create.kind());
        assertEquals("decimal128(12, 2)", create.pin("node:Order").columns().get(1).type());
    }

    @Test
    void formatTwoIsRead() throws Exception {
        Manifest m = readFixture("format2-catalog.json", 19);
        assertEquals(2, m.formatVersion());
        IndexSpec emb = m.pin("node:Package").index("emb");
        assertEquals("l2", emb.params().get("distance_type"));
        assertEquals("256", emb.options().get("sample_rate"));
    }

    @Test
    void formatThreeBranchListAndBranchSequenceAreRead() throws Exception {
        Manifest main = readFixture("format3-branch-list.json", 21);
        assertEquals(3, main.formatVersion());
        assertEquals(Manifest.KIND_BRANCH_CREATE, main.kind());
        assertEquals(Manifest.MAIN_BRANCH, main.branchName());
        assertEquals("main", main.branches().get("dev").parent());
        assertEquals(20, main.branches().get("dev").parentVersion());
        assertEquals(java.util.Set.of("old"), main.deletedBranches());
        assertEquals(null, main.pin("node:Package").lanceBranch());

        Manifest fork = readFixture("format3-branch-fork.json", 2);
        assertEquals("dev", fork.branchName());
        assertEquals("dev.01M8Z0000000000000000BRCH1", fork.pin("node:Package").lanceBranch());
        assertEquals(Manifest.KIND_FORK, fork.kind());
    }

    @Test
    void formatThreeIsWrittenOnlyWhenBranchesAreUsed() throws Exception {
        SortedMap<String, TablePin> plain = new TreeMap<>(Map.of("node:A", new TablePin(1, 0, PLAIN)));
        manifests.init("g1", plain);
        String v1 = new String(store.read(ManifestStore.key(1)).orElseThrow(), UTF_8);
        assertTrue(!v1.contains("lanceBranch") && !v1.contains("branches") && !v1.contains("\"branch\""), v1);
        assertEquals(3, Manifest.formatFor(Manifest.KIND_WRITE, Map.of("node:A", new TablePin(1, 0, PLAIN).onLanceBranch("dev.X"))),
                "a pin on a Lance branch");
        assertEquals(3, Manifest.formatFor(Manifest.KIND_FORK, plain), "a kind format 2 lacks");
        Manifest listed = BranchManifests.publishBranches(manifests, "op-b", Manifest.KIND_BRANCH_CREATE, (latest, branches, deleted) ->
                branches.put("dev", new BranchRecord("01M8Z0000000000000000BRCH1", "main", 1, java.time.Instant.now())));
        assertEquals(3, listed.formatVersion());
        Manifest after = manifests.publish("op-w", Manifest.KIND_WRITE, List.of(new PinUpdate("node:A", 1, 1, 0)));
        assertEquals(3, after.formatVersion(), "a graph with a branch list keeps writing format 3");
        assertEquals(java.util.Set.of("dev"), after.branches().keySet(), "the list is carried by every later version");
    }

    @Test
    void aBranchSequenceIsIndependentOfMainsAndInvisibleToIt() throws Exception {
        SortedMap<String, TablePin> plain = new TreeMap<>(Map.of("node:A", new TablePin(1, 0, PLAIN)));
        manifests.init("g1", plain);
        BranchRecord rec = new BranchRecord("01M8Z0000000000000000BRCH1", "main", 1, java.time.Instant.now());
        ManifestStore branch = new ManifestStore(store, rec.manifestDir());
        Manifest b1 = BranchManifests.initBranch(branch, "g1", "dev", "op-b", plain);
        assertEquals(b1, BranchManifests.initBranch(branch, "g1", "dev", "op-b", plain), "a retried create returns the existing version 1");
        Manifest b2 = branch.publish("op-w", Manifest.KIND_WRITE, List.of(new PinUpdate("node:A", 1, 2, 5)));
        assertEquals(2, b2.version());
        assertEquals("dev", b2.branchName());
        assertEquals(rec.manifestDir() + "/00000000000000000002.json", branch.keyOf(2));
        Manifest main = new ManifestStore(store).require();
        assertEquals(1, main.version(), "main's sequence does not see the branch's versions");
        assertEquals(1, main.pin("node:A").version());
        assertEquals("dev." + rec.id(), rec.lanceBranch("dev"));
        assertThrows(IllegalArgumentException.class, () -> BranchRecord.checkName("main"));
        assertThrows(IllegalArgumentException.class, () -> BranchRecord.checkName("a/b"));
    }

    @Test
    void theLowestFormatThatExpressesTheContentIsWritten() throws Exception {
        SortedMap<String, TablePin> plain = new TreeMap<>(Map.of("node:A", new TablePin(1, 0, PLAIN)));
        Manifest init = manifests.init("g1", plain);
        assertEquals(1, init.formatVersion(), "a graph using no format 2 feature stays readable by format 1 readers");
        assertTrue(new String(store.read(ManifestStore.key(1)).orElseThrow(), UTF_8).contains("\"formatVersion\" : 1"));

        IndexSpec byName = new IndexSpec("by_name", List.of("name"), "BTREE", null, null, 1);
        assertEquals(2, Manifest.formatFor(Manifest.KIND_CATALOG, plain), "a kind format 1 lacks");
        assertEquals(2, Manifest.formatFor(Manifest.KIND_WRITE, Map.of("node:A", new TablePin(1, 0, PLAIN, List.of(byName)))),
                "a pin with indexes");
        assertEquals(2, Manifest.formatFor(Manifest.KIND_WRITE, Map.of("node:A",
                new TablePin(1, 0, List.of(new ColumnSpec("at", "timestamp[us, UTC]"))))), "a type format 1 lacks");
        assertEquals(1, Manifest.formatFor(Manifest.KIND_ROLL_BACK, plain));

        Manifest catalog = manifests.publish("op-1", Manifest.KIND_CATALOG,
                List.of(new PinUpdate("node:A", 1, 1, 0, List.of(byName), null)));
        assertEquals(2, catalog.formatVersion());
        assertEquals(2, manifests.read(2).orElseThrow().formatVersion());
    }

    /** The format-2 catalog fixture with {@code from} replaced by {@code to}, planted as version 19: its read is refused. */
    ManifestCorruptException refusedEditOfFormat2Catalog(String from, String to) throws Exception {
        String edited = new String(getClass().getResourceAsStream("/manifest-formats/format2-catalog.json").readAllBytes(), UTF_8)
                .replace(from, to);
        assertTrue(store.createIfAbsent(ManifestStore.key(19), edited.getBytes(UTF_8)));
        return assertThrows(ManifestCorruptException.class, () -> manifests.read(19));
    }

    @Test
    void aNewerFormatIsRefusedNamingTheKeyAndBothVersions() throws Exception {
        ManifestCorruptException e = refusedEditOfFormat2Catalog("\"formatVersion\" : 2", "\"formatVersion\" : 4");
        assertTrue(e.getMessage().contains(ManifestStore.key(19)) && e.getMessage().contains("formatVersion 4")
                && e.getMessage().contains("1 to 3"), e.getMessage());
    }

    @Test
    void anUnknownFieldIsRefusedNamingTheKey() throws Exception {
        ManifestCorruptException e = refusedEditOfFormat2Catalog("\"fencingToken\" : 12,", "\"fencingToken\" : 12, \"ttl\" : 3,");
        assertTrue(e.getMessage().contains(ManifestStore.key(19)) && e.getMessage().contains("ttl"), e.getMessage());
    }
}
