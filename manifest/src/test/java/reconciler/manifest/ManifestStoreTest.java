package reconciler.manifest;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reconciler.storage.ColumnSpec;
import reconciler.storage.LocalGraphStore;
import reconciler.storage.Pools;
import reconciler.storage.LocalStoreTestBase;

class ManifestStoreTest extends LocalStoreTestBase {

    static final String PKG = "node:Package";
    static final String DEP = "edge:DependsOn";
    static final String VER = "node:Version";
    static final List<ColumnSpec> COLS = List.of(new ColumnSpec("name", "utf8"));
    static final String HINT = "_manifest/latest-hint";

    ManifestStore manifests;
    ExecutorService pool;

    @BeforeEach
    void setUp() {
        manifests = new ManifestStore(store);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        Pools.stop(pool, 10);
    }

    static SortedMap<String, TablePin> pins() {
        SortedMap<String, TablePin> t = new TreeMap<>();
        t.put(PKG, new TablePin(1, 0, COLS));
        t.put(DEP, new TablePin(1, 0, COLS));
        t.put(VER, new TablePin(1, 0, COLS));
        return t;
    }

    /** A fresh store over the same root: no cached knowledge of the latest version. */
    private ManifestStore fresh() {
        return new ManifestStore(new LocalGraphStore(dir));
    }

    @Test
    void latestOfAnUninitialisedRootIsEmpty() throws Exception {
        assertEquals(Optional.empty(), manifests.latest());
        IOException e = assertThrows(IOException.class, manifests::require);
        assertTrue(e.getMessage().contains("not a graph root"), e.getMessage());
    }

    @Test
    void initThenLatest() throws Exception {
        Manifest m = manifests.init("g1", pins());
        assertEquals(1, m.version());
        assertEquals(0, m.previousVersion());
        assertEquals("init", m.operationId());
        assertEquals(Manifest.KIND_INIT, m.kind());
        assertEquals(1, m.formatVersion(), "pins without a format 2 feature are written in format 1");

        Manifest latest = fresh().latest().orElseThrow();
        assertEquals(m, latest, "the stored manifest reads back equal");
        assertEquals(pins(), latest.tables());
        assertEquals(COLS, latest.pin(PKG).columns());
        assertTrue(store.read(ManifestStore.key(1)).isPresent());
        assertEquals("_manifest/00000000000000000001.json", ManifestStore.key(1));
    }

    @Test
    void initTwiceThrowsAndKeepsTheFirst() throws Exception {
        Manifest first = manifests.init("g1", pins());
        assertThrows(IllegalStateException.class, () -> manifests.init("g2", pins()));
        assertThrows(IllegalStateException.class, () -> fresh().init("g3", pins()));
        assertEquals(first, fresh().require());
        assertEquals("g1", fresh().require().graphId());
    }

    @Test
    void publishMovesOnlyTheGivenPinsAndRecordsTheOperation() throws Exception {
        manifests.init("g1", pins());
        String op = "01JABCDEFGHJKMNPQRSTVWXYZ0";
        Manifest m = manifests.publish(op, Manifest.KIND_WRITE,
                List.of(new PinUpdate(PKG, 1, 2, 5), new PinUpdate(DEP, 1, 3, 6)));

        assertEquals(2, m.version());
        assertEquals(1, m.previousVersion());
        assertEquals(op, m.operationId());
        assertEquals(Manifest.KIND_WRITE, m.kind());
        assertEquals("g1", m.graphId());
        assertEquals(new TablePin(2, 5, COLS), m.pin(PKG));
        assertEquals(new TablePin(3, 6, COLS), m.pin(DEP));
        assertEquals(new TablePin(1, 0, COLS), m.pin(VER), "untouched table keeps its pin");

        assertEquals(m, fresh().latest().orElseThrow());
        assertEquals(pins(), fresh().read(1).orElseThrow().tables(), "version 1 is immutable");

        Manifest m3 = manifests.publish("01JABCDEFGHJKMNPQRSTVWXYZ1", Manifest.KIND_ROLL_BACK, List.of(new PinUpdate(VER, 1, 2, 9)));
        assertEquals(3, m3.version());
        assertEquals(2, m3.previousVersion());
        assertEquals(Manifest.KIND_ROLL_BACK, m3.kind());
        assertEquals(new TablePin(2, 5, COLS), m3.pin(PKG), "pins of version 2 carried over");
        assertEquals(new TablePin(2, 9, COLS), m3.pin(VER));
    }

    @Test
    void publishKeepsTheHigherRecordedTokenWhenAPinMovesWithALowerOrEqualOne() throws Exception {
        manifests.init("g1", pins());
        manifests.publish("01JABCDEFGHJKMNPQRSTVWXYZ0", Manifest.KIND_WRITE, List.of(new PinUpdate(PKG, 1, 2, 5)));
        Manifest m = manifests.publish("01JABCDEFGHJKMNPQRSTVWXYZ1", Manifest.KIND_WRITE, List.of(new PinUpdate(PKG, 2, 3, 5)));
        assertEquals(new TablePin(3, 5, COLS), m.pin(PKG), "equal token is not fenced off");
    }

    @Test
    void publishWithAStaleExpectedVersionConflicts() throws Exception {
        manifests.init("g1", pins());
        manifests.publish("01JABCDEFGHJKMNPQRSTVWXYZ0", Manifest.KIND_WRITE, List.of(new PinUpdate(PKG, 1, 2, 1)));

        ManifestConflictException e = assertThrows(ManifestConflictException.class,
                () -> manifests.publish("01JABCDEFGHJKMNPQRSTVWXYZ1", Manifest.KIND_WRITE,
                        List.of(new PinUpdate(DEP, 1, 2, 1), new PinUpdate(PKG, 1, 2, 1))));
        assertEquals(PKG, e.tableKey());
        assertEquals(1, e.expectedVersion());
        assertEquals(2, e.foundVersion());
        assertTrue(e.getMessage().contains(PKG) && e.getMessage().contains("g1"), e.getMessage());
        assertEquals(2, fresh().require().version(), "nothing published");
        assertEquals(1, fresh().require().pin(DEP).version(), "not even the non-conflicting table");
    }

    @Test
    void publishWithATokenBelowTheRecordedOneIsFencedOff() throws Exception {
        manifests.init("g1", pins());
        manifests.publish("01JABCDEFGHJKMNPQRSTVWXYZ0", Manifest.KIND_WRITE, List.of(new PinUpdate(PKG, 1, 2, 8)));

        FencedOffException e = assertThrows(FencedOffException.class,
                () -> manifests.publish("01JABCDEFGHJKMNPQRSTVWXYZ1", Manifest.KIND_WRITE, List.of(new PinUpdate(PKG, 2, 3, 7))));
        assertTrue(e.getMessage().contains(PKG) && e.getMessage().contains(" 7 ") && e.getMessage().contains("8"), e.getMessage());
        assertEquals(2, fresh().require().version(), "nothing published");
    }

    @Test
    void fencingIsCheckedBeforeConflict() throws Exception {
        manifests.init("g1", pins());
        manifests.publish("01JABCDEFGHJKMNPQRSTVWXYZ0", Manifest.KIND_WRITE, List.of(new PinUpdate(PKG, 1, 2, 8)));
        // both stale (expects pin 1, manifest has 2) and fenced (token 7 < 8): fencing wins
        assertThrows(FencedOffException.class,
                () -> manifests.publish("01JABCDEFGHJKMNPQRSTVWXYZ1", Manifest.KIND_WRITE, List.of(new PinUpdate(PKG, 1, 2, 7))));
    }

    @Test
    void publishOfAnUnknownTableIsRejected() throws Exception {
        manifests.init("g1", pins());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> manifests.publish("01JABCDEFGHJKMNPQRSTVWXYZ0", Manifest.KIND_WRITE, List.of(new PinUpdate("node:Nope", 1, 2, 1))));
        assertTrue(e.getMessage().contains("node:Nope"), e.getMessage());
    }

    private <T> List<Future<T>> race(CyclicBarrier barrier, List<Callable<T>> tasks) {
        List<Future<T>> out = new ArrayList<>();
        for (Callable<T> t : tasks) {
            out.add(pool.submit(() -> {
                barrier.await(10, TimeUnit.SECONDS);
                return t.call();
            }));
        }
        return out;
    }

    /** The graph root of race {@code name}, round {@code round}. */
    private Path raceRoot(String name, int round) {
        return dir.resolve(name + "-" + round);
    }

    /** The latest manifest of race {@code name}, round {@code round}, read by a fresh store. */
    private Manifest latestOfRace(String name, int round) throws Exception {
        return new ManifestStore(new LocalGraphStore(raceRoot(name, round))).require();
    }

    /**
     * Initialises a graph at {@link #raceRoot}, then publishes {@code forA} and {@code forB} at once through two
     * independent stores (as in two processes) over that root; the futures in that order.
     */
    private List<Future<Manifest>> racePublishers(String name, int round, PinUpdate forA, PinUpdate forB) throws Exception {
        Path root = raceRoot(name, round);
        new ManifestStore(new LocalGraphStore(root)).init("g" + round, pins());
        ManifestStore a = new ManifestStore(new LocalGraphStore(root));
        ManifestStore b = new ManifestStore(new LocalGraphStore(root));
        String opA = "01JAAAAAAAAAAAAAAAAAAAAA" + String.format("%02d", round);
        String opB = "01JBBBBBBBBBBBBBBBBBBBBB" + String.format("%02d", round);
        return race(new CyclicBarrier(2), List.of(
                () -> a.publish(opA, Manifest.KIND_WRITE, List.of(forA)),
                () -> b.publish(opB, Manifest.KIND_WRITE, List.of(forB))));
    }

    @Test
    void racingPublishersOfDisjointTablesBothSucceed() throws Exception {
        pool = Executors.newFixedThreadPool(2);
        for (int round = 0; round < 20; round++) {
            List<Future<Manifest>> f = racePublishers("disjoint", round, new PinUpdate(PKG, 1, 2, 3), new PinUpdate(DEP, 1, 5, 4));
            Manifest ma = f.get(0).get(30, TimeUnit.SECONDS);
            Manifest mb = f.get(1).get(30, TimeUnit.SECONDS);

            assertEquals(List.of(2L, 3L), List.of(ma.version(), mb.version()).stream().sorted().toList(),
                    "round " + round + ": versions N+1 and N+2");
            Manifest later = ma.version() > mb.version() ? ma : mb;
            Manifest earlier = later == ma ? mb : ma;
            assertEquals(earlier.version(), later.previousVersion(), "the loser rebased onto the winner");

            Manifest latest = latestOfRace("disjoint", round);
            assertEquals(3, latest.version());
            assertEquals(new TablePin(2, 3, COLS), latest.pin(PKG), "round " + round);
            assertEquals(new TablePin(5, 4, COLS), latest.pin(DEP), "round " + round);
            assertEquals(new TablePin(1, 0, COLS), latest.pin(VER));
            assertEquals(later, latest);
        }
    }

    @Test
    void racingPublishersOfTheSameTableFromTheSamePinHaveOneWinner() throws Exception {
        pool = Executors.newFixedThreadPool(2);
        for (int round = 0; round < 20; round++) {
            List<Future<Manifest>> f = racePublishers("same", round, new PinUpdate(PKG, 1, 2, 3), new PinUpdate(PKG, 1, 3, 3));

            List<Manifest> won = new ArrayList<>();
            List<Throwable> lost = new ArrayList<>();
            for (Future<Manifest> x : f) {
                try {
                    won.add(x.get(30, TimeUnit.SECONDS));
                } catch (ExecutionException e) {
                    lost.add(e.getCause());
                }
            }
            assertEquals(1, won.size(), "round " + round + ": exactly one winner; losers: " + lost);
            assertEquals(1, lost.size());
            ManifestConflictException c = assertInstanceOf(ManifestConflictException.class, lost.get(0));
            assertEquals(PKG, c.tableKey());
            assertEquals(1, c.expectedVersion());
            assertEquals(won.get(0).pin(PKG).version(), c.foundVersion());

            Manifest latest = latestOfRace("same", round);
            assertEquals(2, latest.version(), "round " + round + ": only the winner published");
            assertEquals(won.get(0), latest);
        }
    }

    @Test
    void findOperationFindsThePublishedVersionButNotBeforeAfterVersion() throws Exception {
        manifests.init("g1", pins());
        String op = "01JABCDEFGHJKMNPQRSTVWXYZ0";
        manifests.publish("01JAAAAAAAAAAAAAAAAAAAAAAA", Manifest.KIND_WRITE, List.of(new PinUpdate(DEP, 1, 2, 1)));
        Manifest mine = manifests.publish(op, Manifest.KIND_ROLL_FORWARD, List.of(new PinUpdate(PKG, 1, 2, 1)));
        manifests.publish("01JBBBBBBBBBBBBBBBBBBBBBBB", Manifest.KIND_WRITE, List.of(new PinUpdate(VER, 1, 2, 1)));
        assertEquals(3, mine.version());

        ManifestStore reader = fresh();
        assertEquals(Optional.of(mine), reader.findOperation(op, 0));
        assertEquals(Optional.of(mine), reader.findOperation(op, 2));
        assertEquals(Optional.empty(), reader.findOperation(op, 3), "version 3 is not after 3");
        assertEquals(Optional.empty(), reader.findOperation(op, 4));
        assertEquals(Optional.empty(), reader.findOperation("01JZZZZZZZZZZZZZZZZZZZZZZZ", 0));
        assertEquals("01JBBBBBBBBBBBBBBBBBBBBBBB", reader.findOperation("01JBBBBBBBBBBBBBBBBBBBBBBB", 1).orElseThrow().operationId(),
                "the latest version itself is found");
    }

    @Test
    void historyListsVersionsAfterOldestFirst() throws Exception {
        manifests.init("g1", pins());
        manifests.publish("01JAAAAAAAAAAAAAAAAAAAAAAA", Manifest.KIND_WRITE, List.of(new PinUpdate(DEP, 1, 2, 1)));
        manifests.publish("01JBBBBBBBBBBBBBBBBBBBBBBB", Manifest.KIND_WRITE, List.of(new PinUpdate(VER, 1, 2, 1)));
        assertEquals(List.of(2L, 3L), fresh().history(1).stream().map(Manifest::version).toList());
        assertEquals(List.of(1L, 2L, 3L), fresh().history(0).stream().map(Manifest::version).toList());
        assertEquals(List.of(), fresh().history(3));
    }

    private void threeVersions() throws Exception {
        manifests.init("g1", pins());
        manifests.publish("01JAAAAAAAAAAAAAAAAAAAAAAA", Manifest.KIND_WRITE, List.of(new PinUpdate(DEP, 1, 2, 1)));
        manifests.publish("01JBBBBBBBBBBBBBBBBBBBBBBB", Manifest.KIND_WRITE, List.of(new PinUpdate(VER, 1, 2, 1)));
        assertEquals("3", new String(store.read(HINT).orElseThrow(), US_ASCII), "publish maintains the hint");
    }

    @Test
    void latestWorksWithAStaleHint() throws Exception {
        threeVersions();
        store.replace(HINT, "1".getBytes(US_ASCII));
        assertEquals(3, fresh().latest().orElseThrow().version());
    }

    @Test
    void latestWorksWithAHintPastTheEnd() throws Exception {
        threeVersions();
        store.replace(HINT, "99".getBytes(US_ASCII));
        assertEquals(3, fresh().latest().orElseThrow().version());
    }

    @Test
    void latestWorksWithAGarbageHint() throws Exception {
        threeVersions();
        for (String garbage : List.of("not a number", "", "-5", "\u0000\u0001\u00ff", "3.0")) {
            store.replace(HINT, garbage.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            assertEquals(3, fresh().latest().orElseThrow().version(), "hint '" + garbage + "'");
        }
    }

    @Test
    void latestWorksWithoutAHint() throws Exception {
        threeVersions();
        assertTrue(store.delete(HINT));
        assertEquals(3, fresh().latest().orElseThrow().version());
    }

    @Test
    void latestIgnoresNonManifestObjectsInTheDirectory() throws Exception {
        threeVersions();
        assertTrue(store.delete(HINT));
        store.replace("_manifest/README.json", "{}".getBytes(US_ASCII));
        store.replace("_manifest/notes.txt", "x".getBytes(US_ASCII));
        assertEquals(3, fresh().latest().orElseThrow().version());
    }

    @Test
    void latestSeesVersionsPublishedByAnotherStore() throws Exception {
        manifests.init("g1", pins());
        assertEquals(1, manifests.latest().orElseThrow().version());
        fresh().publish("01JAAAAAAAAAAAAAAAAAAAAAAA", Manifest.KIND_WRITE, List.of(new PinUpdate(DEP, 1, 2, 1)));
        assertEquals(2, manifests.latest().orElseThrow().version(), "the cached position is only a starting point");
    }

    @Test
    void corruptManifestGivesManifestCorruptExceptionNamingTheKey() throws Exception {
        manifests.init("g1", pins());
        assertTrue(store.createIfAbsent(ManifestStore.key(2), new byte[] {(byte) 0xde, (byte) 0xad, '{', 0x00, (byte) 0xbe, (byte) 0xef}));

        ManifestCorruptException e = assertThrows(ManifestCorruptException.class, () -> fresh().read(2));
        assertTrue(e.getMessage().contains(ManifestStore.key(2)), e.getMessage());
        assertNotNull(e.getCause());

        ManifestCorruptException viaLatest = assertThrows(ManifestCorruptException.class, () -> fresh().latest());
        assertTrue(viaLatest.getMessage().contains(ManifestStore.key(2)), viaLatest.getMessage());
        assertThrows(ManifestCorruptException.class, () -> manifests.latest(), "also when probing forward from a known version");
        assertThrows(ManifestCorruptException.class,
                () -> manifests.publish("01JAAAAAAAAAAAAAAAAAAAAAAA", Manifest.KIND_WRITE, List.of(new PinUpdate(DEP, 1, 2, 1))),
                "no publish on top of a corrupt history");
    }

    @Test
    void manifestWhoseContentDisagreesWithItsKeyIsCorrupt() throws Exception {
        manifests.init("g1", pins());
        byte[] v1 = store.read(ManifestStore.key(1)).orElseThrow();
        assertTrue(store.createIfAbsent(ManifestStore.key(2), v1));
        ManifestCorruptException e = assertThrows(ManifestCorruptException.class, () -> fresh().read(2));
        assertTrue(e.getMessage().contains(ManifestStore.key(2)) && e.getMessage().contains("claims version 1"), e.getMessage());
    }

    @Test
    void manifestOfAnUnknownFormatVersionIsCorrupt() throws Exception {
        manifests.init("g1", pins());
        String v1 = new String(store.read(ManifestStore.key(1)).orElseThrow(), US_ASCII);
        String v2 = v1.replace("\"formatVersion\" : 1", "\"formatVersion\" : 4").replace("\"version\" : 1", "\"version\" : 2");
        assertFalse(v1.equals(v2));
        assertTrue(store.createIfAbsent(ManifestStore.key(2), v2.getBytes(US_ASCII)));
        ManifestCorruptException e = assertThrows(ManifestCorruptException.class, () -> fresh().read(2));
        assertTrue(e.getMessage().contains(ManifestStore.key(2)) && e.getMessage().contains("formatVersion 4"), e.getMessage());
    }

    @Test
    void readOfAMissingVersionIsEmpty() throws Exception {
        manifests.init("g1", pins());
        assertEquals(Optional.empty(), manifests.read(2));
    }

    @Test
    void pinOfAnUnknownTableThrows() throws Exception {
        Manifest m = manifests.init("g1", pins());
        assertThrows(IllegalArgumentException.class, () -> m.pin("node:Nope"));
        assertThrows(IllegalArgumentException.class, () -> new TablePin(0, 0, COLS));
    }

    /** Versions 1..5, then version 4 deleted behind the store's back; the hint left at {@code hint}. */
    private void fiveVersionsWithoutVersionFour(String hint) throws Exception {
        threeVersions();
        manifests.publish("01JCCCCCCCCCCCCCCCCCCCCCCC", Manifest.KIND_WRITE, List.of(new PinUpdate(PKG, 1, 2, 1)));
        manifests.publish("01JDDDDDDDDDDDDDDDDDDDDDDD", Manifest.KIND_WRITE, List.of(new PinUpdate(PKG, 2, 3, 1)));
        assertTrue(store.delete(ManifestStore.key(4)));
        if (hint == null) {
            assertTrue(store.delete(HINT));
        } else {
            store.replace(HINT, hint.getBytes(US_ASCII));
        }
    }

    @Test
    void aGapAboveTheHintIsRefusedAndNeverPublishedInto() throws Exception {
        fiveVersionsWithoutVersionFour("3");
        ManifestStore reader = fresh();
        ManifestGapException e = assertThrows(ManifestGapException.class, reader::latest);
        assertEquals(4, e.missing());
        assertEquals(5, e.present());
        assertTrue(e.getMessage().contains(ManifestStore.key(4)) && e.getMessage().contains(ManifestStore.key(5)), e.getMessage());
        assertThrows(ManifestGapException.class, () -> fresh().publish("01JEEEEEEEEEEEEEEEEEEEEEEE", Manifest.KIND_WRITE,
                List.of(new PinUpdate(VER, 2, 3, 1))));
        assertTrue(store.read(ManifestStore.key(4)).isEmpty(), "nothing was published into the gap");
        assertTrue(store.read(ManifestStore.key(6)).isEmpty(), "nothing was published past it either");
    }

    @Test
    void aGapIsRefusedWithoutAHintOrWithAGarbageOne() throws Exception {
        fiveVersionsWithoutVersionFour(null);
        assertEquals(4, assertThrows(ManifestGapException.class, () -> fresh().latest()).missing());
        store.replace(HINT, "garbage".getBytes(US_ASCII));
        assertEquals(4, assertThrows(ManifestGapException.class, () -> fresh().latest()).missing());
        store.replace(HINT, "4".getBytes(US_ASCII));
        assertEquals(4, assertThrows(ManifestGapException.class, () -> fresh().latest()).missing(), "a hint naming the hole itself");
    }

    @Test
    void aMissingFirstVersionIsAGap() throws Exception {
        threeVersions();
        assertTrue(store.delete(ManifestStore.key(1)));
        assertTrue(store.delete(HINT));
        ManifestGapException e = assertThrows(ManifestGapException.class, () -> fresh().latest());
        assertEquals(1, e.missing());
        assertEquals(2, e.present());
    }

    @Test
    void historyAndFindOperationRefuseAGapBelowTheLatest() throws Exception {
        fiveVersionsWithoutVersionFour("5");
        assertEquals(5, fresh().latest().orElseThrow().version(), "the latest itself is intact");
        assertEquals(4, assertThrows(ManifestGapException.class, () -> fresh().history(1)).missing());
        assertEquals(4, assertThrows(ManifestGapException.class, () -> fresh().findOperation("01JAAAAAAAAAAAAAAAAAAAAAAA", 1)).missing(),
                "an operation searched across the gap could be there");
        assertEquals(5, fresh().findOperation("01JDDDDDDDDDDDDDDDDDDDDDDD", 4).orElseThrow().version(), "a range above the gap is fine");
    }

    @Test
    void aLatestVersionThatVanishesIsCorruptNotAnOlderLatest() throws Exception {
        threeVersions();
        assertEquals(3, manifests.latest().orElseThrow().version());
        assertTrue(store.delete(ManifestStore.key(3)));
        ManifestCorruptException e = assertThrows(ManifestCorruptException.class, manifests::latest);
        assertTrue(e.getMessage().contains(ManifestStore.key(3)) && e.getMessage().contains("gone"), e.getMessage());
    }

    @Test
    void publishTablesAddsAndRemovesTablesAndKeepsEveryOtherPin() throws Exception {
        threeVersions();
        Manifest added = manifests.publishTables("01JFFFFFFFFFFFFFFFFFFFFFFF", Manifest.KIND_CREATE_TABLE,
                java.util.Map.of("node:City", new TablePin(1, 4, COLS)), java.util.Set.of());
        assertEquals(4, added.version());
        assertEquals(Manifest.KIND_CREATE_TABLE, added.kind());
        assertEquals(new TablePin(1, 4, COLS), added.pin("node:City"));
        assertEquals(fresh().read(3).orElseThrow().pin(DEP), added.pin(DEP), "other pins kept");
        ManifestConflictException exists = assertThrows(ManifestConflictException.class, () -> manifests.publishTables("01JGGGGGGGGGGGGGGGGGGGGGGG",
                Manifest.KIND_CREATE_TABLE, java.util.Map.of("node:City", new TablePin(1, 5, COLS)), java.util.Set.of()));
        assertTrue(exists.getMessage().contains("node:City exists already"), exists.getMessage());
        Manifest dropped = manifests.publishTables("01JHHHHHHHHHHHHHHHHHHHHHHH", Manifest.KIND_DROP_TABLE, java.util.Map.of(), java.util.Set.of(VER));
        assertFalse(dropped.tables().containsKey(VER));
        assertEquals(5, dropped.version());
        assertThrows(ManifestConflictException.class, () -> manifests.publishTables("01JJJJJJJJJJJJJJJJJJJJJJJJ", Manifest.KIND_DROP_TABLE,
                java.util.Map.of(), java.util.Set.of(VER)));
    }
}
