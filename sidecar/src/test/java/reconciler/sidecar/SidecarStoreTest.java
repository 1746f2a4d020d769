package reconciler.sidecar;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.f4b6a3.ulid.UlidCreator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reconciler.storage.LocalStoreTestBase;

class SidecarStoreTest extends LocalStoreTestBase {

    SidecarStore sidecars;

    @BeforeEach
    void setUp() {
        sidecars = new SidecarStore(store);
    }

    static Sidecar sidecar(String op, String table) {
        return new Sidecar(Sidecar.FORMAT_VERSION, op, "write", "graph-1", "main", 1,
                new Sidecar.WriterIdentity("host-a", 17), Instant.parse("2025-05-06T07:08:09Z"),
                List.of(new Sidecar.SidecarTable(table, 1, 1)));
    }

    static String ulid() {
        return UlidCreator.getMonotonicUlid().toString();
    }

    /** Writes {@code s} to the store; its operation id. */
    String written(Sidecar s) throws Exception {
        sidecars.write(s);
        return s.operationId();
    }

    @Test
    void writeReadDelete() throws Exception {
        String op = ulid();
        Sidecar s = sidecar(op, "node:Package");
        assertEquals(Optional.empty(), sidecars.read(op));

        sidecars.write(s);
        assertEquals(Optional.of(s), sidecars.read(op));
        assertEquals("_recovery/" + op + ".json", SidecarStore.key(op));
        assertTrue(Files.isRegularFile(dir.resolve("_recovery").resolve(op + ".json")));

        assertTrue(sidecars.delete(op));
        assertEquals(Optional.empty(), sidecars.read(op));
        assertFalse(sidecars.delete(op), "delete is idempotent");
        assertEquals(List.of(), sidecars.list());
    }

    @Test
    void writeTwiceThrowsAndKeepsTheFirst() throws Exception {
        String op = ulid();
        Sidecar first = sidecar(op, "node:Package");
        sidecars.write(first);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> sidecars.write(sidecar(op, "edge:DependsOn")));
        assertTrue(e.getMessage().contains(op), e.getMessage());
        assertEquals(Optional.of(first), sidecars.read(op));
    }

    @Test
    void readOfACorruptSidecarThrowsNamingTheKey() throws Exception {
        String op = ulid();
        store.replace(SidecarStore.key(op), "{oops".getBytes(UTF_8));
        CorruptSidecarException e = assertThrows(CorruptSidecarException.class, () -> sidecars.read(op));
        assertEquals(SidecarStore.key(op), e.key());
        assertTrue(Files.exists(dir.resolve(SidecarStore.key(op))), "the refused file is kept");
    }

    @Test
    void listReturnsValidAndCorruptEntriesInNameOrderAndNeverDropsACorruptOne() throws Exception {
        List<String> ops = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ops.add(ulid());
        }
        // written out of order; odd ones corrupt in different ways
        sidecars.write(sidecar(ops.get(4), "node:E"));
        store.replace(SidecarStore.key(ops.get(3)), "not json at all".getBytes(UTF_8));
        sidecars.write(sidecar(ops.get(0), "node:A"));
        store.replace(SidecarStore.key(ops.get(1)), SidecarCodec.encode(sidecar(ops.get(0), "node:B"))); // id != file name
        sidecars.write(sidecar(ops.get(2), "node:C"));

        List<SidecarEntry> entries = sidecars.list();

        assertEquals(ops.stream().map(SidecarStore::key).toList(), entries.stream().map(SidecarEntry::key).toList(),
                "every file, in ULID (creation) order");
        assertEquals(sidecar(ops.get(0), "node:A"), assertInstanceOf(SidecarEntry.Valid.class, entries.get(0)).sidecar());
        SidecarEntry.Corrupt c1 = assertInstanceOf(SidecarEntry.Corrupt.class, entries.get(1));
        assertTrue(c1.reason().contains(SidecarStore.key(ops.get(1))) && c1.reason().contains("file name"), c1.reason());
        assertEquals(sidecar(ops.get(2), "node:C"), assertInstanceOf(SidecarEntry.Valid.class, entries.get(2)).sidecar());
        SidecarEntry.Corrupt c3 = assertInstanceOf(SidecarEntry.Corrupt.class, entries.get(3));
        assertTrue(c3.reason().contains("not valid JSON") && c3.reason().contains("kept"), c3.reason());
        assertEquals(sidecar(ops.get(4), "node:E"), assertInstanceOf(SidecarEntry.Valid.class, entries.get(4)).sidecar());
    }

    @Test
    void aCorruptFileIsStillOnDiskAfterList() throws Exception {
        String op = ulid();
        byte[] garbage = {0x00, (byte) 0xff, '{', '}'};
        store.replace(SidecarStore.key(op), garbage);

        List<SidecarEntry> entries = sidecars.list();
        assertEquals(1, entries.size());
        assertInstanceOf(SidecarEntry.Corrupt.class, entries.get(0));

        Path file = dir.resolve(SidecarStore.key(op));
        assertTrue(Files.exists(file));
        assertArrayEquals(garbage, Files.readAllBytes(file), "and untouched");
        assertEquals(1, sidecars.list().size(), "listed again next time");
    }

    @Test
    void nonJsonFilesHiddenFilesAndDirectoriesAreIgnored() throws Exception {
        String op = ulid();
        sidecars.write(sidecar(op, "node:Package"));
        Path d = dir.resolve(SidecarStore.DIR);
        Files.writeString(d.resolve("README.txt"), "notes");
        Files.writeString(d.resolve(op + ".json.bak"), "old");
        Files.writeString(d.resolve("." + op + ".json.tmp-1"), "partial");
        Files.createDirectories(d.resolve("archive.json"));

        List<SidecarEntry> entries = sidecars.list();
        assertEquals(List.of(SidecarStore.key(op)), entries.stream().map(SidecarEntry::key).toList());
        assertInstanceOf(SidecarEntry.Valid.class, entries.get(0));
    }

    @Test
    void listOfAGraphWithoutRecoveryDirectoryIsEmpty() throws Exception {
        assertEquals(List.of(), sidecars.list());
    }

    static reconciler.manifest.Manifest manifest(String... tables) {
        java.util.TreeMap<String, reconciler.manifest.TablePin> pins = new java.util.TreeMap<>();
        for (String t : tables) {
            pins.put(t, new reconciler.manifest.TablePin(1, 0, List.of(new reconciler.storage.ColumnSpec("name", "utf8"))));
        }
        return new reconciler.manifest.Manifest(reconciler.manifest.Manifest.FORMAT_VERSION, "graph-1", 7, 6, "op", "write",
                Instant.EPOCH, pins);
    }

    static Sidecar onBranch(String op, String branch) {
        Sidecar s = sidecar(op, "node:Package");
        return new Sidecar(s.formatVersion(), s.operationId(), s.writerKind(), s.graphId(), branch, s.baseManifestVersion(), s.writer(),
                s.createdAt(), s.tables());
    }

    @Test
    void aSidecarNamingATableTheManifestDoesNotHaveIsRefusedAndKept() throws Exception {
        String ok = written(sidecar(ulid(), "node:Package"));
        String bad = written(sidecar(ulid(), "node:Nope"));
        List<SidecarEntry> listed = sidecars.list(manifest("node:Package", "edge:DependsOn"));
        assertEquals(2, listed.size());
        assertInstanceOf(SidecarEntry.Valid.class, listed.get(0));
        SidecarEntry.Corrupt c = assertInstanceOf(SidecarEntry.Corrupt.class, listed.get(1));
        assertEquals(SidecarStore.key(bad), c.key());
        assertTrue(c.reason().contains("node:Nope") && c.reason().contains("manifest v7") && c.reason().contains("kept"), c.reason());
        assertTrue(store.read(SidecarStore.key(bad)).isPresent(), "a refused sidecar stays on disk");
        assertInstanceOf(SidecarEntry.Valid.class, sidecars.list().get(1), "the raw listing still decodes it");
    }

    @Test
    void branchSidecarsAreListedOnlyForTheirBranchAndOrphansOnlyOnceTheBranchIsDeleted() throws Exception {
        String onMain = written(onBranch(ulid(), "main"));
        String onDev = written(onBranch(ulid(), "dev"));
        String onOld = written(onBranch(ulid(), "old"));
        reconciler.manifest.Manifest plain = manifest("node:Package");
        java.util.TreeMap<String, reconciler.manifest.BranchRecord> listed = new java.util.TreeMap<>(java.util.Map.of("dev",
                new reconciler.manifest.BranchRecord("01M8Z0000000000000000BRCH1", "main", 7, Instant.EPOCH)));
        reconciler.manifest.Manifest main = new reconciler.manifest.Manifest(3, "graph-1", 8, 7, "op", "branch_delete", Instant.EPOCH,
                plain.tables(), null, listed, new java.util.TreeSet<>(List.of("old")));
        reconciler.manifest.Manifest dev = new reconciler.manifest.Manifest(3, "graph-1", 2, 1, "op", "write", Instant.EPOCH,
                plain.tables(), "dev", null, null);

        List<String> mainKeys = sidecars.list(main).stream().map(e -> e instanceof SidecarEntry.Valid ? "valid:" + e.key() : e.key()).toList();
        assertEquals(List.of("valid:" + SidecarStore.key(onMain)), mainKeys, "main sees only its own: a branch's never blocks main");
        List<SidecarEntry> devListed = sidecars.list(dev);
        assertEquals(1, devListed.size());
        assertEquals(onDev, assertInstanceOf(SidecarEntry.Valid.class, devListed.get(0)).sidecar().operationId());
        assertEquals(List.of(onOld), sidecars.orphans(main).stream().map(Sidecar::operationId).toList(),
                "only a branch main names deleted is orphaned");
        assertEquals(List.of(), sidecars.orphans(plain), "a branch that was never listed is not an orphan (it stays refused)");
    }

    @Test
    void aSidecarOnABranchOtherThanMainIsRefusedAndKept() throws Exception {
        String op = written(onBranch(ulid(), "dev"));
        List<SidecarEntry> listed = sidecars.list(manifest("node:Package"));
        SidecarEntry.Corrupt c = assertInstanceOf(SidecarEntry.Corrupt.class, listed.get(0));
        assertTrue(c.reason().contains("branch 'dev'") && c.reason().contains("only branch main"), c.reason());
        assertTrue(store.read(SidecarStore.key(op)).isPresent());
        assertEquals(Optional.empty(), SidecarStore.refusal(onBranch(op, "main"), manifest("node:Package")));
    }

    /**
     * A sidecar listed but deleted (its writer's phase D) before it is read is skipped as finished,
     * never reported corrupt or as an error. The race is made deterministic by a store whose listing
     * deletes the file right after listing it (a real delete on the real file system).
     */
    @Test
    void aSidecarThatVanishesBetweenListAndReadIsSkipped() throws Exception {
        String gone = written(sidecar(ulid(), "node:Package"));
        String kept = written(sidecar(ulid(), "node:Package"));
        reconciler.storage.GraphStore racing = new reconciler.storage.GraphStore() {
            public String root() { return store.root(); }
            public Optional<byte[]> read(String key) throws java.io.IOException { return store.read(key); }
            public boolean createIfAbsent(String key, byte[] data) throws java.io.IOException { return store.createIfAbsent(key, data); }
            public void replace(String key, byte[] data) throws java.io.IOException { store.replace(key, data); }
            public boolean delete(String key) throws java.io.IOException { return store.delete(key); }
            public List<String> list(String prefix) throws java.io.IOException {
                List<String> names = store.list(prefix);
                assertTrue(store.delete(SidecarStore.key(gone)), "the writer's phase D, between list and read");
                return names;
            }
            public String tableUri(reconciler.storage.TableKey table) { return store.tableUri(table); }
            public java.util.Map<String, String> storageOptions() { return store.storageOptions(); }
            public void close() { }
        };
        List<SidecarEntry> listed = new SidecarStore(racing).list();
        assertEquals(1, listed.size(), listed.toString());
        assertEquals(kept, assertInstanceOf(SidecarEntry.Valid.class, listed.get(0)).sidecar().operationId());
    }
}
