package reconciler.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reconciler.storage.Json;
import reconciler.storage.LocalGraphStore;
import reconciler.storage.Pools;

class AuditLogTest {

    static final String OP = "01JABCDEFGHJKMNPQRSTVWXYZ0";

    @TempDir
    Path dir;

    LocalGraphStore store;
    Path localLog;
    AuditLog audit;
    ExecutorService pool;

    @BeforeEach
    void setUp() {
        store = new LocalGraphStore(dir.resolve("graph"));
        localLog = dir.resolve("var/log/audit.jsonl");
        audit = new AuditLog(localLog);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        Pools.stop(pool, 10);
    }

    static AuditRecord record(String op, String outcome, String recoveredBy) {
        return new AuditRecord(AuditRecord.FORMAT_VERSION, "graph-1", "/graphs/g1", op, outcome, "import", "host-a", 4242,
                AuditRecord.ROLLED_FORWARD.equals(outcome) ? 7 : 0,
                List.of(new AuditRecord.TableOutcome("node:Package", 3, 4, "OWN_COMMIT")),
                "every table carries the operation's commit right after its pin", recoveredBy,
                Instant.parse("2025-03-04T05:06:07Z"));
    }

    private List<String> localLines() throws Exception {
        return Files.exists(localLog) ? Files.readAllLines(localLog) : List.of();
    }

    private List<String> durableNames() throws Exception {
        return store.list("_audit");
    }

    @Test
    void recordTwiceCreatesOneDurableRecordAndOneLocalLine() throws Exception {
        AuditRecord first = record(OP, AuditRecord.ROLLED_FORWARD, "daemon-1:1");
        assertTrue(audit.record(store, first));
        assertFalse(audit.record(store, record(OP, AuditRecord.ROLLED_FORWARD, "daemon-2:2")), "a retry is not recorded again");

        assertEquals(List.of(OP + ".rolled_forward.json"), durableNames());
        assertEquals("_audit/" + OP + ".rolled_forward.json", first.key());
        AuditRecord stored = Json.MAPPER.readValue(store.read(first.key()).orElseThrow(), AuditRecord.class);
        assertEquals(first, stored, "the first record is the one kept");

        List<String> lines = localLines();
        assertEquals(1, lines.size(), lines.toString());
        assertEquals(first, Json.MAPPER.readValue(lines.get(0), AuditRecord.class), "the line is the record as JSON");
    }

    @Test
    void aTornLastLineDoesNotSwallowTheNextRecord() throws Exception {
        Files.createDirectories(localLog.getParent());
        Files.writeString(localLog, "{\"formatVersion\":1,\"graphId\":\"gra"); // a crash mid-append
        AuditRecord next = record(OP, AuditRecord.ROLLED_FORWARD, "daemon-1:1");
        assertTrue(audit.record(store, next));
        List<String> lines = localLines();
        assertEquals(2, lines.size(), lines.toString());
        assertEquals(next, Json.MAPPER.readValue(lines.get(1), AuditRecord.class), "the record has a line of its own");
    }

    @Test
    void anotherDaemonsAuditLogDoesNotAppendWhenTheRecordExists() throws Exception {
        Path otherLog = dir.resolve("other/audit.jsonl");
        assertTrue(audit.record(store, record(OP, AuditRecord.ABORTED, "daemon-1:1")));
        assertFalse(new AuditLog(otherLog).record(new LocalGraphStore(dir.resolve("graph")), record(OP, AuditRecord.ABORTED, "daemon-2:2")));
        assertFalse(Files.exists(otherLog), "the losing daemon appends nothing");
        assertEquals(1, localLines().size());
    }

    @Test
    void concurrentRecordsOfTheSameOutcomeHaveOneWinnerAndOneLine() throws Exception {
        int threads = 8;
        pool = Executors.newFixedThreadPool(threads);
        for (int round = 0; round < 10; round++) {
            String op = "01JABCDEFGHJKMNPQRSTVWXY" + String.format("%02d", round);
            CyclicBarrier barrier = new CyclicBarrier(threads);
            List<Future<Boolean>> f = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                AuditRecord r = record(op, AuditRecord.ROLLED_BACK, "daemon-" + t + ":" + t);
                // each thread as its own daemon would: same local log file, own AuditLog instance half the time
                AuditLog log = t % 2 == 0 ? audit : new AuditLog(localLog);
                f.add(pool.submit(() -> {
                    barrier.await(10, TimeUnit.SECONDS);
                    return log.record(store, r);
                }));
            }
            int winners = 0;
            for (Future<Boolean> x : f) {
                if (x.get(30, TimeUnit.SECONDS)) {
                    winners++;
                }
            }
            assertEquals(1, winners, "round " + round);
            String opf = op;
            long lines = localLines().stream().filter(l -> l.contains(opf)).count();
            assertEquals(1, lines, "round " + round + ": one local line");
        }
        assertEquals(10, durableNames().size());
        assertEquals(10, localLines().size());
    }

    @Test
    void differentOutcomesOfOneOperationAreBothRecordedAndReadBack() throws Exception {
        AuditRecord deferred = record(OP, AuditRecord.DEFERRED, "daemon-1:1");
        AuditRecord rolledBack = record(OP, AuditRecord.ROLLED_BACK, "daemon-1:1");
        AuditRecord otherOp = record("01JZZZZZZZZZZZZZZZZZZZZZZZ", AuditRecord.FINISHED, "daemon-1:1");
        assertTrue(audit.record(store, otherOp));
        assertTrue(audit.record(store, rolledBack));
        assertTrue(audit.record(store, deferred));

        assertEquals(List.of(OP + ".deferred.json", OP + ".rolled_back.json", "01JZZZZZZZZZZZZZZZZZZZZZZZ.finished.json"), durableNames());
        assertEquals(List.of(deferred, rolledBack, otherOp), AuditLog.readAll(store), "every record, in key order");
        assertEquals(3, localLines().size());
    }

    @Test
    void readAllOfAGraphWithoutAuditIsEmptyAndIgnoresNonJson() throws Exception {
        assertEquals(List.of(), AuditLog.readAll(store));
        store.replace("_audit/notes.txt", "x".getBytes());
        assertEquals(List.of(), AuditLog.readAll(store));
    }

    @Test
    void withoutALocalLogOnlyTheDurableRecordIsWritten() throws Exception {
        AuditLog noLocal = new AuditLog(null);
        assertNull(noLocal.localLog());
        assertTrue(noLocal.record(store, record(OP, AuditRecord.FINISHED, "d:1")));
        assertFalse(noLocal.record(store, record(OP, AuditRecord.FINISHED, "d:1")));
        assertEquals(List.of(OP + ".finished.json"), durableNames());
    }
}
