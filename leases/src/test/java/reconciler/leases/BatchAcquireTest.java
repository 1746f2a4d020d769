package reconciler.leases;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

/**
 * The batched path of {@link LeaseManager#acquire} ({@link BatchAcquire}): one transaction for all
 * lock nodes, one for all fence counters, one for the release; the one-table-at-a-time path when
 * anyone else is there; fencing tokens as before (strictly increasing, gap-free, issued only to
 * the holder); and tokens raised above what a manifest records after a ZooKeeper data loss.
 */
class BatchAcquireTest extends LeaseTestBase {
    private static final List<String> FOUR = List.of("edge:DependsOn", "node:Maintainer", "node:Package", "node:Section");


    private Stat stat(LeaseManager m, String path) throws Exception {
        return m.client().checkExists().forPath(path);
    }

    @Test
    void fourTablesTakeOneTransactionForTheLockNodesOneForTheTokensAndOneForTheRelease() throws Exception {
        LeaseManager a = manager();
        for (int round = 1; round <= 3; round++) {
            Set<Long> lockZxids = new HashSet<>();
            Set<Long> fenceZxids = new HashSet<>();
            try (LeaseSet s = a.acquire(graph, MAIN, FOUR, Duration.ofSeconds(5))) {
                assertEquals(4, s.lockNodes().size());
                for (String node : s.lockNodes()) {
                    lockZxids.add(stat(a, node).getCzxid());
                }
                for (String t : FOUR) {
                    assertEquals(round, s.fencingToken(t), t);
                    assertEquals(round, a.currentFence(graph, MAIN, t), t);
                    fenceZxids.add(stat(a, LeasePaths.fencePath(graph, t, MAIN)).getMzxid());
                }
            }
            // one multi = one zxid: the four lock nodes were created together, the four counters bumped together
            assertEquals(1, lockZxids.size(), "lock nodes created in one transaction: " + lockZxids);
            assertEquals(1, fenceZxids.size(), "fences bumped in one transaction: " + fenceZxids);
            assertTrue(fenceZxids.iterator().next() > lockZxids.iterator().next());
            // and released together: every lock directory last changed in the same transaction
            Set<Long> released = new HashSet<>();
            for (String t : FOUR) {
                Stat dir = stat(a, LeasePaths.lockDir(graph, t, MAIN));
                assertEquals(0, dir.getNumChildren(), t);
                released.add(dir.getPzxid());
            }
            assertEquals(1, released.size(), "lock nodes deleted in one transaction: " + released);
        }
    }

    @Test
    void withBatchingOffEveryTableIsItsOwnTransaction() throws Exception {
        LeaseManager a = manager();
        a.setBatching(false);
        Set<Long> lockZxids = new HashSet<>();
        try (LeaseSet s = a.acquire(graph, MAIN, FOUR, Duration.ofSeconds(5))) {
            for (String node : s.lockNodes()) {
                lockZxids.add(stat(a, node).getCzxid());
            }
            FOUR.forEach(t -> assertEquals(1, s.fencingToken(t)));
        }
        assertEquals(4, lockZxids.size());
    }

    @Test
    void aHeldTableMakesTheBatchBackOutWithoutBumpingAnythingAndWaitOneTableAtATime() throws Exception {
        LeaseManager a = manager();
        LeaseManager b = manager();
        try (LeaseSet first = a.acquire(graph, MAIN, FOUR, Duration.ofSeconds(5))) {
            FOUR.forEach(t -> assertEquals(1, first.fencingToken(t)));
        }
        // another session holds the first table (sorted) through a plain Curator mutex (an older client, or the
        // serial path): the batch backs out, the serial path then times out on that first table, so no counter may move
        InterProcessMutex other = new InterProcessMutex(b.client(), LeasePaths.lockDir(graph, "edge:DependsOn", MAIN));
        assertTrue(other.acquire(5, TimeUnit.SECONDS));
        LeaseTimeoutException e = assertThrows(LeaseTimeoutException.class, () -> a.acquire(graph, MAIN, FOUR, Duration.ofMillis(300)));
        assertEquals("edge:DependsOn", e.tableKey());
        for (String t : FOUR) {
            assertEquals(1, a.currentFence(graph, MAIN, t), "a waiter never bumps a counter: " + t);
        }
        assertEquals(1, stat(a, LeasePaths.lockDir(graph, "edge:DependsOn", MAIN)).getNumChildren(), "only the holder's node is left");
        assertEquals(0, stat(a, LeasePaths.lockDir(graph, "node:Package", MAIN)).getNumChildren());

        // the waiter gets everything once the holder releases, with the next tokens
        AtomicInteger phase = new AtomicInteger();
        ConcurrentLinkedQueue<Object> result = new ConcurrentLinkedQueue<>();
        Thread waiter = new Thread(() -> {
            try (LeaseSet s = a.acquire(graph, MAIN, FOUR, Duration.ofSeconds(20))) {
                result.add(s.fencingTokens());
                phase.set(1);
            } catch (Exception x) {
                result.add(x);
            }
        });
        waiter.start();
        Await.until(() -> {
            try {
                return stat(a, LeasePaths.lockDir(graph, "edge:DependsOn", MAIN)).getNumChildren() == 2;
            } catch (Exception x) {
                return false;
            }
        }, Duration.ofSeconds(10), "waiter queued behind the holder");
        other.release();
        waiter.join(20_000);
        assertEquals(1, phase.get(), () -> "waiter: " + result);
        assertEquals(Map.of("edge:DependsOn", 2L, "node:Maintainer", 2L, "node:Package", 2L, "node:Section", 2L), result.peek());
    }

    @Test
    void batchedAndSerialAcquirersOnOverlappingTablesAreMutuallyExclusiveWithGapFreeTokens() throws Exception {
        LeaseManager batched = manager();
        LeaseManager serial = manager();
        serial.setBatching(false);
        List<List<String>> sets = List.of(FOUR, List.of("node:Package", "node:Section"), List.of("edge:DependsOn", "node:Package"),
                List.of("node:Maintainer"));
        Map<String, AtomicInteger> inside = new ConcurrentHashMap<>();
        Map<String, ConcurrentLinkedQueue<Long>> tokens = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        FOUR.forEach(t -> {
            inside.put(t, new AtomicInteger());
            tokens.put(t, new ConcurrentLinkedQueue<>());
        });
        List<Thread> threads = new ArrayList<>();
        int rounds = 15;
        for (int i = 0; i < 6; i++) {
            LeaseManager m = i % 2 == 0 ? batched : serial;
            List<String> tables = sets.get(i % sets.size());
            threads.add(new Thread(() -> {
                for (int r = 0; r < rounds; r++) {
                    try (LeaseSet l = m.acquire(graph, MAIN, tables, Duration.ofSeconds(30))) {
                        for (String t : tables) {
                            if (inside.get(t).incrementAndGet() != 1) {
                                errors.add(new AssertionError("two holders of " + t));
                            }
                            long token = l.fencingToken(t);
                            long fence = m.currentFence(graph, MAIN, t);
                            if (fence != token) {
                                errors.add(new AssertionError("fence " + fence + " != token " + token + " of " + t + " while held"));
                            }
                            tokens.get(t).add(token);
                        }
                        for (String t : tables) {
                            inside.get(t).decrementAndGet();
                        }
                    } catch (Throwable x) {
                        errors.add(x);
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join(120_000);
            assertFalse(t.isAlive(), "deadlock or starvation");
        }
        assertTrue(errors.isEmpty(), () -> "errors: " + errors);
        for (String t : FOUR) {
            List<Long> sorted = new ArrayList<>(tokens.get(t));
            Collections.sort(sorted);
            for (int i = 0; i < sorted.size(); i++) {
                assertEquals(i + 1, sorted.get(i), "tokens of " + t + " unique and gap-free: " + sorted);
            }
            assertEquals(sorted.size(), batched.currentFence(graph, MAIN, t));
        }
    }

    @Test
    void tokensAreRaisedAboveWhatTheManifestRecordsAfterADataLoss() throws Exception {
        LeaseManager a = manager();
        try (LeaseSet s = a.acquire(graph, MAIN, FOUR, Duration.ofSeconds(5))) {
            // the counters restarted (fresh ZooKeeper data) while a manifest records tokens up to 41
            assertEquals(List.of("node:Package", "node:Section"),
                    s.ensureTokensAbove(Map.of("node:Package", 41L, "node:Section", 1L, "node:Maintainer", 0L, "node:Other", 99L)));
            assertEquals(42, s.fencingToken("node:Package"));
            assertEquals(2, s.fencingToken("node:Section"));
            assertEquals(1, s.fencingToken("node:Maintainer"));
            assertEquals(42, a.currentFence(graph, MAIN, "node:Package"));
            assertEquals(List.of(), s.ensureTokensAbove(Map.of("node:Package", 41L)), "no round trip once above");
        }
        try (LeaseSet s = a.acquire(graph, MAIN, List.of("node:Package"), Duration.ofSeconds(5))) {
            assertEquals(43, s.fencingToken("node:Package"), "monotone from there on");
        }
        LeaseSet closed = a.acquire(graph, MAIN, List.of("node:Package"), Duration.ofSeconds(5));
        closed.close();
        assertThrows(LeaseLostException.class, () -> closed.ensureTokensAbove(Map.of("node:Package", 100L)));
        assertNotEquals(101, a.currentFence(graph, MAIN, "node:Package"));
    }

    @Test
    void lowestFollowsCuratorsOrder() {
        assertTrue(BatchAcquire.lowest(List.of("_c_b-lock-0000000003", "_c_a-lock-0000000007"), "_c_b-lock-0000000003"));
        assertFalse(BatchAcquire.lowest(List.of("_c_b-lock-0000000003", "_c_a-lock-0000000007"), "_c_a-lock-0000000007"));
        assertTrue(BatchAcquire.lowest(new ArrayList<>(new TreeSet<>(List.of("_c_z-lock-0000000001"))), "_c_z-lock-0000000001"));
    }
}
