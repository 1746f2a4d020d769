package reconciler.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static reconciler.storage.GraphStoreContractTest.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LocalGraphStoreTest extends LocalStoreTestBase {

    ExecutorService pool;

    @AfterEach
    void tearDown() throws InterruptedException {
        Pools.stop(pool, 10);
    }

    private String content(String key) throws Exception {
        return new String(store.read(key).orElseThrow(), UTF_8);
    }

    @Test
    void createIfAbsentCreatesOnceAndSecondCreateLeavesContentUnchanged() throws Exception {
        assertTrue(store.createIfAbsent("_recovery/a.json", b("first")));
        assertFalse(store.createIfAbsent("_recovery/a.json", b("second")));
        assertEquals("first", content("_recovery/a.json"));
        assertEquals(List.of("a.json"), store.list("_recovery"), "no temp files left behind by the losing create");
        try (Stream<Path> files = Files.list(dir.resolve("_recovery"))) {
            assertEquals(List.of(dir.resolve("_recovery/a.json")), files.toList(), "no hidden temp files either");
        }
    }

    @Test
    void racingCreatorsOfOneKeyHaveExactlyOneWinnerWhoseContentSticks() throws Exception {
        pool = Executors.newFixedThreadPool(GraphStoreContractTest.RACERS);
        for (int round = 0; round < 50; round++) {
            String key = "_race/key-" + round + ".json";
            List<Integer> winners = GraphStoreContractTest.race(pool, store, key, round);
            assertEquals(1, winners.size(), "round " + round + ": exactly one creator wins, got " + winners);
            assertEquals("writer-" + winners.get(0) + "-round-" + round, content(key),
                    "round " + round + ": the stored object is the winner's");
        }
        List<String> names = store.list("_race");
        assertEquals(50, names.size());
        try (Stream<Path> files = Files.list(dir.resolve("_race"))) {
            assertEquals(50, files.count(), "losers' temp files are cleaned up");
        }
    }


    @Test
    void listIsSortedAndSkipsHiddenFilesAndDirectories() throws Exception {
        for (String n : List.of("c.json", "a.json", "B.json", "b.json")) {
            assertTrue(store.createIfAbsent("_recovery/" + n, b(n)));
        }
        Path d = dir.resolve("_recovery");
        Files.writeString(d.resolve(".a.json.tmp-123"), "partial");
        Files.writeString(d.resolve(".hidden"), "h");
        Files.createDirectories(d.resolve("subdir"));
        Files.createDirectories(d.resolve("a-dir.json"));

        assertEquals(List.of("B.json", "a.json", "b.json", "c.json"), store.list("_recovery"));
    }

    @Test
    void listOfAPrefixThatIsAFileIsAPermanentErrorNamingThePath() throws Exception {
        assertTrue(store.createIfAbsent("_recovery", b("x")));
        PermanentStorageException e = assertThrows(PermanentStorageException.class, () -> store.list("_recovery"));
        assertTrue(e.getMessage().contains(dir.resolve("_recovery").toString()) && e.getMessage().contains("not a directory"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", "../outside", "a/../b", "_recovery/..", "a/..hidden"})
    void keysWithDotDotAreRejected(String key) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.read(key));
        assertTrue(e.getMessage().contains(key), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> store.createIfAbsent(key, b("x")));
        assertThrows(IllegalArgumentException.class, () -> store.replace(key, b("x")));
        assertThrows(IllegalArgumentException.class, () -> store.delete(key));
        assertThrows(IllegalArgumentException.class, () -> store.list(key));
        assertFalse(Files.exists(dir.getParent().resolve("outside")), "nothing written outside the root");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/etc/passwd", "a\\b"})
    void emptyAbsoluteAndBackslashKeysAreRejected(String key) {
        assertThrows(IllegalArgumentException.class, () -> store.read(key));
        assertThrows(IllegalArgumentException.class, () -> store.createIfAbsent(key, b("x")));
    }

    @Test
    void tableUriIsUnderTablesDirectory() {
        assertEquals(dir.toAbsolutePath().normalize().resolve("tables/node-Package.lance").toString(),
                store.tableUri(TableKey.parse("node:Package")));
        assertTrue(store.storageOptions().isEmpty());
        assertEquals(dir.toAbsolutePath().normalize().toString(), store.root());
    }
}
