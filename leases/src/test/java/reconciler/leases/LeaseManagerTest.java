package reconciler.leases;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class LeaseManagerTest extends LeaseTestBase {


    @Test
    void unreachableServerFailsWithinConnectTimeout() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        long t0 = System.nanoTime();
        LeaseException e = assertThrows(LeaseException.class,
                () -> new LeaseManager("127.0.0.1:" + port, Duration.ofSeconds(2), Duration.ofMillis(700)));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(e.getMessage().startsWith("cannot reach ZooKeeper at 127.0.0.1:" + port), e.getMessage());
        assertTrue(ms < 5_000, "took " + ms + " ms");
    }

    @Test
    void acquireObserverSeesEveryWaitAndEveryTimeout() throws Exception {
        LeaseManager a = manager();
        LeaseManager b = manager();
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        List<Long> waits = Collections.synchronizedList(new ArrayList<>());
        b.setAcquireObserver((acquired, graphId, tables, waitNanos) -> {
            seen.add(acquired + " " + graphId + " " + tables);
            waits.add(waitNanos);
        });
        LeaseSet la = a.acquire(graph, MAIN, List.of("node:A", "node:B"), Duration.ofSeconds(5));
        assertThrows(LeaseTimeoutException.class, () -> b.acquire(graph, MAIN, List.of("node:B"), Duration.ofMillis(300)));
        la.close();
        b.acquire(graph, MAIN, List.of("node:A", "node:B"), Duration.ofSeconds(5)).close();
        assertEquals(List.of("false " + graph + " 1", "true " + graph + " 2"), seen, "a's acquisition is not b's to observe");
        assertTrue(waits.get(0) >= 250_000_000L, "the timeout waited about 300 ms: " + waits);
        b.setAcquireObserver((acquired, graphId, tables, waitNanos) -> {
            throw new IllegalStateException("a broken observer must not break leases");
        });
        b.acquire(graph, MAIN, List.of("node:A"), Duration.ofSeconds(5)).close();
    }

    @Test
    void secondSessionTimesOutWhileHeldThenSucceedsAndTokensIncrease() throws Exception {
        LeaseManager a = manager();
        LeaseManager b = manager();
        assertEquals(0, a.currentFence(graph, MAIN, "node:Package"));

        LeaseSet la = a.acquire(graph, MAIN, List.of("node:Package"), Duration.ofSeconds(5));
        assertEquals(1, la.fencingToken("node:Package"));
        assertTrue(la.isValid());
        la.checkValid();

        long t0 = System.nanoTime();
        LeaseTimeoutException te = assertThrows(LeaseTimeoutException.class,
                () -> b.acquire(graph, MAIN, List.of("node:Package"), Duration.ofMillis(300)));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 250 && ms < 5_000, "waited " + ms + " ms");
        assertTrue(te.getMessage().contains("node:Package"), te.getMessage());
        assertEquals("node:Package", te.tableKey());
        // the failed attempt did not bump the fence
        assertEquals(1, b.currentFence(graph, MAIN, "node:Package"));

        // another branch is a different lease
        try (LeaseSet other = b.acquire(graph, "dev", List.of("node:Package"), Duration.ofSeconds(5))) {
            assertEquals(1, other.fencingToken("node:Package"));
        }

        la.close();
        assertFalse(la.isValid());
        assertThrows(LeaseLostException.class, la::checkValid);
        la.close(); // idempotent

        LeaseSet lb = b.acquire(graph, MAIN, List.of("node:Package"), Duration.ofSeconds(5));
        assertEquals(2, lb.fencingToken("node:Package"));
        lb.close();

        try (LeaseSet again = a.acquire(graph, MAIN, List.of("node:Package"), Duration.ofSeconds(5))) {
            assertEquals(3, again.fencingToken("node:Package"));
            assertEquals(3, b.currentFence(graph, MAIN, "node:Package"));
        }
        // a blocked waiter is woken by the release, well within its timeout
        LeaseSet held = a.acquire(graph, MAIN, List.of("node:Package"), Duration.ofSeconds(5));
        AtomicReference<Object> result = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        Thread waiter = new Thread(() -> {
            try (LeaseSet s = b.acquire(graph, MAIN, List.of("node:Package"), Duration.ofSeconds(20))) {
                result.set(s.fencingToken("node:Package"));
            } catch (Exception e) {
                result.set(e);
            } finally {
                done.countDown();
            }
        });
        waiter.start();
        Await.until(() -> {
            try {
                return a.client().getChildren().forPath(LeasePaths.leaseBasePath(graph, "node:Package", MAIN) + "/lock").size() == 2;
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(10), "waiter queued");
        held.close();
        assertTrue(done.await(10, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(5L, result.get());
    }

    @Test
    void severalTablesGetOneTokenEachAndPartialFailureReleasesWhatWasTaken() throws Exception {
        LeaseManager a = manager();
        LeaseManager b = manager();
        LeaseManager c = manager();

        try (LeaseSet all = a.acquire(graph, MAIN, List.of("node:Package", "edge:DependsOn", "node:Zeta", "node:Package"),
                Duration.ofSeconds(5))) {
            assertEquals(List.of("edge:DependsOn", "node:Package", "node:Zeta"), new ArrayList<>(all.tableKeys()));
            assertEquals(3, all.fencingTokens().size());
            all.fencingTokens().values().forEach(v -> assertEquals(1L, v));
            assertEquals(graph, all.graphId());
            assertEquals(MAIN, all.branch());
            assertThrows(IllegalArgumentException.class, () -> all.fencingToken("node:Other"));
        }

        // a holds the last table in sorted order; b takes the first two, then times out on the third
        LeaseSet zeta = a.acquire(graph, MAIN, List.of("node:Zeta"), Duration.ofSeconds(5));
        assertEquals(2, zeta.fencingToken("node:Zeta"));
        LeaseTimeoutException e = assertThrows(LeaseTimeoutException.class,
                () -> b.acquire(graph, MAIN, Set.of("node:Package", "edge:DependsOn", "node:Zeta"), Duration.ofMillis(400)));
        assertTrue(e.getMessage().contains("node:Zeta"), e.getMessage());
        // b bumped the first two before failing; it must have released them
        assertEquals(2, c.currentFence(graph, MAIN, "edge:DependsOn"));
        try (LeaseSet first = c.acquire(graph, MAIN, List.of("edge:DependsOn", "node:Package"), Duration.ofMillis(500))) {
            assertEquals(3, first.fencingToken("edge:DependsOn"));
            assertEquals(3, first.fencingToken("node:Package"));
        }
        zeta.close();
        try (LeaseSet z = c.acquire(graph, MAIN, List.of("node:Zeta"), Duration.ofMillis(500))) {
            assertEquals(3, z.fencingToken("node:Zeta"));
        }
    }

    @Test
    void closeFromAnotherThreadReleases() throws Exception {
        LeaseManager a = manager();
        LeaseManager b = manager();
        LeaseSet la = a.acquire(graph, MAIN, List.of("t1", "t2"), Duration.ofSeconds(5));
        // our own lock nodes were identified: ephemerals of a's session, one per table
        long sid = a.client().getZookeeperClient().getZooKeeper().getSessionId();
        assertEquals(2, la.lockNodes().size());
        for (String node : la.lockNodes()) {
            assertEquals(sid, a.client().checkExists().forPath(node).getEphemeralOwner(), node);
        }
        AtomicReference<Throwable> err = new AtomicReference<>();
        Thread closer = new Thread(() -> {
            try {
                la.close();
            } catch (Throwable t) {
                err.set(t);
            }
        });
        closer.start();
        closer.join(10_000);
        assertNull(err.get());
        try (LeaseSet lb = b.acquire(graph, MAIN, List.of("t1", "t2"), Duration.ofSeconds(2))) {
            assertEquals(2, lb.fencingToken("t1"));
            assertEquals(2, lb.fencingToken("t2"));
        }
    }

    @Test
    void pathSegmentsAreEncoded() throws Exception {
        LeaseManager a = manager();
        String weirdGraph = "tenant/a b@c:..";
        String branch = "feature/x@1";
        try (LeaseSet l = a.acquire(weirdGraph, branch, List.of("node:Package", ".."), Duration.ofSeconds(5))) {
            assertEquals(1, l.fencingToken("node:Package"));
            assertEquals(1, l.fencingToken(".."));
        }
        String base = LeasePaths.leaseBasePath(weirdGraph, "node:Package", branch);
        assertEquals("/graphs/tenant%2Fa+b%40c%3A../leases/node%3APackage@feature%2Fx%401", base);
        assertNotNull(a.client().checkExists().forPath(base + "/fence"));
        assertEquals("1", new String(a.client().getData().forPath(base + "/fence")));
        assertEquals("/graphs/x/leases/%2E%2E@b", LeasePaths.leaseBasePath("x", "..", "b"));
        assertEquals(1, a.currentFence(weirdGraph, branch, ".."));
        assertThrows(IllegalArgumentException.class, () -> a.acquire("", MAIN, List.of("t"), Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> a.acquire(graph, MAIN, List.of(), Duration.ZERO));
    }

    @Test
    void contendingThreadsInTwoSessionsAreMutuallyExclusiveWithIncreasingTokens() throws Exception {
        LeaseManager a = manager();
        LeaseManager b = manager();
        int threadsPerManager = 2;
        int rounds = 10;
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        ConcurrentLinkedQueue<Long> tokens = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (LeaseManager m : List.of(a, b)) {
            for (int i = 0; i < threadsPerManager; i++) {
                threads.add(new Thread(() -> {
                    for (int r = 0; r < rounds; r++) {
                        try (LeaseSet l = m.acquire(graph, MAIN, List.of("edge:DependsOn"), Duration.ofSeconds(20))) {
                            int now = inside.incrementAndGet();
                            maxInside.accumulateAndGet(now, Math::max);
                            long token = l.fencingToken("edge:DependsOn");
                            long fence = m.currentFence(graph, MAIN, "edge:DependsOn");
                            if (fence != token) {
                                errors.add(new AssertionError("fence " + fence + " != token " + token));
                            }
                            tokens.add(token);
                            inside.decrementAndGet();
                        } catch (Throwable t) {
                            errors.add(t);
                        }
                    }
                }));
            }
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join(60_000);
        }
        assertTrue(errors.isEmpty(), () -> "errors: " + errors);
        assertEquals(1, maxInside.get());
        List<Long> sorted = new ArrayList<>(tokens);
        Collections.sort(sorted);
        int n = threadsPerManager * 2 * rounds;
        assertEquals(n, sorted.size());
        for (int i = 0; i < n; i++) {
            assertEquals(i + 1, sorted.get(i)); // unique, gap-free: 1..n
        }
    }

    @Test
    void fenceIsNotBumpedForALockNodeThatIsGone() throws Exception {
        LeaseManager a = manager();
        String base = LeasePaths.leaseBasePath(graph, "t", MAIN);
        String lockNode = a.client().create().creatingParentContainersIfNeeded()
                .withMode(org.apache.zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL).forPath(base + "/lock/mine-");
        assertEquals(1, a.bumpFence(base + "/fence", lockNode, graph, "t", MAIN));
        assertEquals(2, a.bumpFence(base + "/fence", lockNode, graph, "t", MAIN));
        a.client().delete().forPath(lockNode);
        LeaseLostException e = assertThrows(LeaseLostException.class,
                () -> a.bumpFence(base + "/fence", lockNode, graph, "t", MAIN));
        assertTrue(e.getMessage().contains(lockNode), e.getMessage());
        assertEquals(2, a.currentFence(graph, MAIN, "t"));
        // a malformed counter is reported, not silently reset
        a.client().setData().forPath(base + "/fence", "x".getBytes());
        assertThrows(LeaseException.class, () -> a.currentFence(graph, MAIN, "t"));
    }

    @Test
    void closedManagerRefusesAndInvalidatesItsLeases() throws Exception {
        LeaseManager a = new LeaseManager(zk.connectString(), SESSION, CONNECT);
        LeaseManager b = manager();
        LeaseSet la = a.acquire(graph, MAIN, List.of("t"), Duration.ofSeconds(5));
        a.close();
        assertFalse(la.isValid());
        LeaseLostException e = assertThrows(LeaseLostException.class, la::checkValid);
        assertTrue(e.getMessage().contains(graph) && e.getMessage().contains("[t]"), e.getMessage());
        la.close(); // must not throw
        assertThrows(LeaseException.class, () -> a.acquire(graph, MAIN, List.of("t"), Duration.ZERO));
        // closing the session released the lock
        try (LeaseSet lb = b.acquire(graph, MAIN, List.of("t"), Duration.ofSeconds(5))) {
            assertEquals(2, lb.fencingToken("t"));
        }
    }
}
