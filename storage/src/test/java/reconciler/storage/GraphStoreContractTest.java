package reconciler.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@link GraphStore} contract, run against every backend (one subclass per backend). Each
 * test gets a fresh, empty store from {@link #newStore()}.
 */
abstract class GraphStoreContractTest {

    static final int RACERS = 16;
    static final int RACE_ROUNDS = 30;
    static final int MIB = 1 << 20;

    GraphStore store;
    ExecutorService pool;

    /** A fresh, empty graph root. */
    abstract GraphStore newStore() throws Exception;

    /** Writes an object under the store's root bypassing the store (e.g. a hidden temp file). */
    abstract void plantRaw(String key, byte[] data) throws Exception;

    /** Reads an object under the store's root bypassing the store (what the backend really holds). */
    abstract byte[] readRaw(String key) throws Exception;

    /** Releases what {@link #newStore()} made (default: nothing). */
    void closeStore(GraphStore s) throws Exception {
    }

    @BeforeEach
    void setUpStore() throws Exception {
        store = newStore();
    }

    @AfterEach
    void tearDownStore() throws Exception {
        Pools.stop(pool, 30);
        closeStore(store);
    }

    static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    String content(String key) throws Exception {
        return new String(store.read(key).orElseThrow(), UTF_8);
    }

    @Test
    void readOfAbsentKeyIsEmpty() throws Exception {
        assertEquals(Optional.empty(), store.read("_manifest/nothing.json"));
        assertEquals(Optional.empty(), store.read("nothing-at-top-level"));
    }

    @Test
    void createThenRead() throws Exception {
        assertTrue(store.createIfAbsent("_manifest/00000000000000000001.json", b("{\"v\":1}")));
        assertEquals("{\"v\":1}", content("_manifest/00000000000000000001.json"));
        assertTrue(store.createIfAbsent("empty", new byte[0]));
        assertArrayEquals(new byte[0], store.read("empty").orElseThrow(), "an empty object is present, not absent");
    }

    @Test
    void secondCreateReturnsFalseAndLeavesContentUnchanged() throws Exception {
        assertTrue(store.createIfAbsent("_recovery/a.json", b("first")));
        assertFalse(store.createIfAbsent("_recovery/a.json", b("second")));
        assertFalse(store.createIfAbsent("_recovery/a.json", b("first")), "even with identical bytes");
        assertEquals("first", content("_recovery/a.json"));
        assertEquals(List.of("a.json"), store.list("_recovery"), "a losing create leaves nothing behind");
    }

    /** Exactly one of {@value #RACERS} racing creators wins, every round, and its bytes stick. */
    @Test
    void racingCreatorsOfOneKeyHaveExactlyOneWinnerWhoseContentSticks() throws Exception {
        pool = Executors.newFixedThreadPool(RACERS);
        int[] winsByThread = new int[RACERS];
        for (int round = 0; round < RACE_ROUNDS; round++) {
            String key = "_race/key-" + round + ".json";
            List<Integer> winners = race(pool, store, key, round);
            assertEquals(1, winners.size(), "round " + round + ": exactly one creator wins, got " + winners);
            winsByThread[winners.get(0)]++;
            assertEquals("writer-" + winners.get(0) + "-round-" + round, content(key),
                    "round " + round + ": the stored object is the winner's");
        }
        assertEquals(RACE_ROUNDS, store.list("_race").size());
        System.out.printf("%s: %d rounds x %d racers, exactly one winner each; wins by thread %s%n",
                getClass().getSimpleName(), RACE_ROUNDS, RACERS, Arrays.toString(winsByThread));
    }

    /** Runs one round: {@value #RACERS} threads released by a barrier; returns the winners' indexes. */
    static List<Integer> race(ExecutorService pool, GraphStore store, String key, int round) throws Exception {
        CyclicBarrier barrier = new CyclicBarrier(RACERS);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int t = 0; t < RACERS; t++) {
            byte[] data = b("writer-" + t + "-round-" + round);
            results.add(pool.submit(() -> {
                barrier.await(30, TimeUnit.SECONDS);
                return store.createIfAbsent(key, data);
            }));
        }
        List<Integer> winners = new ArrayList<>();
        for (int t = 0; t < RACERS; t++) {
            if (results.get(t).get(120, TimeUnit.SECONDS)) {
                winners.add(t);
            }
        }
        return winners;
    }

    /**
     * Readers polling while writers create 1 MiB objects see either nothing or a whole object of
     * the winning writer, never a prefix, an empty object or a mix.
     */
    @Test
    void readersNeverSeeAPartialObject() throws Exception {
        int keys = 12;
        int writers = 2;
        int readers = 2;
        pool = Executors.newFixedThreadPool(writers + readers);
        AtomicReference<String> current = new AtomicReference<>();
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger presentReads = new AtomicInteger();
        AtomicInteger absentReads = new AtomicInteger();
        List<Future<?>> readerFutures = new ArrayList<>();
        for (int r = 0; r < readers; r++) {
            readerFutures.add(pool.submit(() -> {
                while (!done.get()) {
                    String key = current.get();
                    if (key == null) {
                        Thread.onSpinWait();
                        continue;
                    }
                    Optional<byte[]> got = store.read(key);
                    if (got.isEmpty()) {
                        absentReads.incrementAndGet();
                        continue;
                    }
                    presentReads.incrementAndGet();
                    byte[] d = got.get();
                    if (d.length != MIB) {
                        throw new AssertionError(key + ": read " + d.length + " bytes, expected " + MIB);
                    }
                    byte fill = d[0];
                    if (fill != 'A' && fill != 'B') {
                        throw new AssertionError(key + ": unexpected fill byte " + fill);
                    }
                    for (int i = 1; i < d.length; i++) {
                        if (d[i] != fill) {
                            throw new AssertionError(key + ": mixed content at byte " + i);
                        }
                    }
                }
                return null;
            }));
        }
        for (int k = 0; k < keys; k++) {
            String key = "_big/obj-" + k;
            current.set(key);
            CyclicBarrier barrier = new CyclicBarrier(writers);
            List<Future<Boolean>> ws = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                byte[] data = new byte[MIB];
                Arrays.fill(data, (byte) ('A' + w));
                ws.add(pool.submit(() -> {
                    barrier.await(30, TimeUnit.SECONDS);
                    return store.createIfAbsent(key, data);
                }));
            }
            int wins = 0;
            for (Future<Boolean> f : ws) {
                wins += f.get(60, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertEquals(1, wins, key + ": one writer wins");
            Thread.sleep(20); // let the readers see the finished object too
        }
        done.set(true);
        for (Future<?> f : readerFutures) {
            f.get(60, TimeUnit.SECONDS);
        }
        assertTrue(presentReads.get() > 0, "readers saw some objects");
        System.out.printf("%s: readers saw %d whole 1 MiB objects and %d absent reads, no partial ones%n",
                getClass().getSimpleName(), presentReads.get(), absentReads.get());
    }

    @Test
    void replaceIsWholeObject() throws Exception {
        store.replace("_manifest/latest-hint", b("a much longer first value"));
        assertEquals("a much longer first value", content("_manifest/latest-hint"));
        store.replace("_manifest/latest-hint", b("7"));
        assertEquals("7", content("_manifest/latest-hint"), "a shorter replacement leaves no tail of the old bytes");
        assertArrayEquals(b("7"), readRaw("_manifest/latest-hint"), "the backend holds exactly the new bytes");
        assertEquals(List.of("latest-hint"), store.list("_manifest"), "nothing else left behind");
        assertTrue(store.createIfAbsent("x/y", b("old")));
        store.replace("x/y", b("new"));
        assertEquals("new", content("x/y"), "replace overwrites an object made by createIfAbsent");
        assertFalse(store.createIfAbsent("_manifest/latest-hint", b("z")), "a replaced object exists for createIfAbsent");
    }

    @Test
    void deleteIsIdempotent() throws Exception {
        assertTrue(store.createIfAbsent("_recovery/a.json", b("x")));
        assertTrue(store.delete("_recovery/a.json"));
        assertFalse(store.delete("_recovery/a.json"));
        assertEquals(Optional.empty(), store.read("_recovery/a.json"));
        assertEquals(List.of(), store.list("_recovery"));
        assertFalse(store.delete("never/existed.json"));
        assertTrue(store.createIfAbsent("_recovery/a.json", b("again")), "a deleted key can be created again");
        assertEquals("again", content("_recovery/a.json"));
    }

    @Test
    void listIsSortedSkipsHiddenNamesAndDirectoriesAndNeverBleedsIntoSiblings() throws Exception {
        for (String n : List.of("c.json", "a.json", "B.json", "b.json")) {
            assertTrue(store.createIfAbsent("_recovery/" + n, b(n)));
        }
        assertTrue(store.createIfAbsent("_recovery_old/x.json", b("sibling")));
        assertTrue(store.createIfAbsent("_recoveryX", b("sibling file")));
        assertTrue(store.createIfAbsent("_recovery/sub/deeper.json", b("nested: a directory")));
        plantRaw("_recovery/.a.json.tmp-123", b("partial"));
        plantRaw("_recovery/.hidden", b("h"));

        assertEquals(List.of("B.json", "a.json", "b.json", "c.json"), store.list("_recovery"));
        assertEquals(List.of("B.json", "a.json", "b.json", "c.json"), store.list("_recovery/"), "a trailing slash is ignored");
        assertEquals(List.of("x.json"), store.list("_recovery_old"));
        assertEquals(List.of("deeper.json"), store.list("_recovery/sub"));
        assertEquals(List.of(), store.list("_rec"), "a name prefix is not a directory");
    }

    @Test
    void listOfMissingPrefixIsEmpty() throws Exception {
        assertEquals(List.of(), store.list("_recovery"));
        assertEquals(List.of(), store.list("no/such/dir"));
        assertEquals(List.of(), store.listAfter("no/such/dir", "a"));
    }

    /**
     * Where an object and a prefix of the same name can coexist (S3) listing the prefix is truthful
     * and empty; where they cannot (a file system: nothing could ever be created under it) listing
     * "empty" would hide a broken layout, so it is an error naming the path.
     */
    @Test
    void listOfAPrefixThatIsAnObjectIsEmptyOrAnErrorNamingIt() throws Exception {
        assertTrue(store.createIfAbsent("plain", b("x")));
        if (objectsAndPrefixesCoexist()) {
            assertEquals(List.of(), store.list("plain"), "an object is not a directory");
        } else {
            java.io.IOException e = assertThrows(java.io.IOException.class, () -> store.list("plain"));
            assertTrue(e.getMessage().contains("plain") && e.getMessage().contains("not a directory"), e.getMessage());
            assertThrows(java.io.IOException.class, () -> store.listAfter("plain", "a"));
        }
    }

    /** Whether an object and a prefix of the same name can both exist (S3: yes; a file system: no). */
    abstract boolean objectsAndPrefixesCoexist();

    @Test
    void listAfterReturnsOnlyLaterNamesSorted() throws Exception {
        for (String n : List.of("00000000000000000001.json", "00000000000000000002.json", "00000000000000000010.json", "latest-hint")) {
            assertTrue(store.createIfAbsent("_manifest/" + n, b(n)));
        }
        assertTrue(store.createIfAbsent("_manifest_old/00000000000000000099.json", b("sibling")));
        plantRaw("_manifest/.00000000000000000011.json.tmp-1", b("partial"));
        assertEquals(List.of("00000000000000000010.json", "latest-hint"), store.listAfter("_manifest", "00000000000000000002.json"));
        assertEquals(List.of("00000000000000000002.json", "00000000000000000010.json", "latest-hint"),
                store.listAfter("_manifest/", "00000000000000000001.json"), "a trailing slash is ignored");
        assertEquals(List.of(), store.listAfter("_manifest", "latest-hint"));
        assertEquals(store.list("_manifest"), store.listAfter("_manifest", ""));
    }

    /** A tail listing of more names than one ListObjectsV2 page holds is complete. */
    @Test
    void listAfterReturnsEveryLaterNameBeyondOnePage() throws Exception {
        int n = 1_100;
        pool = Executors.newFixedThreadPool(8);
        List<Future<Boolean>> fs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = String.format("k-%05d.json", i);
            fs.add(pool.submit(() -> store.createIfAbsent("_many/" + name, b(name))));
        }
        for (Future<Boolean> f : fs) {
            assertTrue(f.get(120, TimeUnit.SECONDS));
        }
        List<String> after = store.listAfter("_many", "k-00049.json");
        assertEquals(n - 50, after.size());
        assertEquals("k-00050.json", after.get(0));
        assertEquals(String.format("k-%05d.json", n - 1), after.get(after.size() - 1));
    }

    /** More names than one ListObjectsV2 page (1,000 keys) holds. */
    @Test
    void listReturnsEveryNameBeyondOnePage() throws Exception {
        int n = 1_100;
        pool = Executors.newFixedThreadPool(8);
        List<Future<Boolean>> fs = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = String.format("k-%05d.json", i);
            expected.add(name);
            fs.add(pool.submit(() -> store.createIfAbsent("_many/" + name, b(name))));
        }
        for (Future<Boolean> f : fs) {
            assertTrue(f.get(120, TimeUnit.SECONDS));
        }
        assertTrue(store.createIfAbsent("_many_more/zzz", b("sibling")));
        List<String> listed = store.list("_many");
        assertEquals(n, listed.size());
        assertEquals(expected, listed, "sorted, complete, no duplicates across pages");
    }

    @Test
    void probeCreateOnlyPassesAndCleansUp() throws Exception {
        S3GraphStore.probeCreateOnly(store);
        S3GraphStore.probeCreateOnly(store);
        assertEquals(List.of(), store.list("_probe"), "probe keys are deleted");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "..", "../outside", "a/../b", "/abs", "a\\b"})
    void malformedKeysAreRejected(String key) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.read(key));
        assertTrue(e.getMessage().contains("'" + key + "'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> store.createIfAbsent(key, b("x")));
        assertThrows(IllegalArgumentException.class, () -> store.replace(key, b("x")));
        assertThrows(IllegalArgumentException.class, () -> store.delete(key));
    }
}
