package reconciler.leases;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recipes share one session the caller owns; closing a recipe does not end the session. */
class ZkSessionTest {

    @TempDir
    Path tmp;

    @Test
    void managersOverOneSessionShareItAndCloseOnlyTheirOwnLeases() throws Exception {
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(tmp.resolve("zk"), 0, 200);
             ZkSession session = ZkSession.connect(zk.connectString(), Duration.ofSeconds(4), Duration.ofSeconds(10), null)) {
            LeaseManager a = new LeaseManager(session);
            LeaseManager b = new LeaseManager(session);
            assertEquals(session.client(), a.client());
            LeaseSet held = a.acquire("g", "main", List.of("t"), Duration.ofSeconds(5));
            assertEquals(1, session.client().getChildren().forPath(LeasePaths.lockDir("g", "t", "main")).size());
            a.close();
            // a's leases are released, the shared session and b stay usable
            assertTrue(session.client().getChildren().forPath(LeasePaths.lockDir("g", "t", "main")).isEmpty());
            assertTrue(session.isConnected());
            try (LeaseSet s = b.acquire("g", "main", List.of("t"), Duration.ofSeconds(5))) {
                assertEquals(2, s.fencingToken("t"));
            }
            assertTrue(GraphEvents.signalChange(session, "g"));
            assertTrue(session.client().checkExists().forPath(LeasePaths.changesPath("g")) != null);
            b.close();
            assertTrue(session.isConnected());
        }
    }

    @Test
    void leaseHoldersNameTheHolderAndTheWaiters() throws Exception {
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(tmp.resolve("zk"), 0, 200);
             LeaseManager a = new LeaseManager(zk.connectString(), Duration.ofSeconds(4), Duration.ofSeconds(10));
             LeaseManager b = new LeaseManager(zk.connectString(), Duration.ofSeconds(4), Duration.ofSeconds(10))) {
            org.junit.jupiter.api.Assumptions.assumeTrue(a.enableLiveness(tmp.resolve("run")), "needs Linux /proc");
            assertTrue(LeaseHolders.of(a.session(), "g").isEmpty());
            try (LeaseSet held = a.acquire("g", "main", List.of("node:A"), Duration.ofSeconds(5))) {
                java.util.concurrent.CompletableFuture<Void> waiter = java.util.concurrent.CompletableFuture.runAsync(() -> {
                    try (LeaseSet s = b.acquire("g", "main", List.of("node:A"), Duration.ofSeconds(20))) {
                        // taken after a's release
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                Await.until(() -> {
                    try {
                        return LeaseHolders.of(a.session(), "g").size() == 2;
                    } catch (LeaseException e) {
                        return false;
                    }
                }, Duration.ofSeconds(10), "b to wait");
                List<LeaseHolders.Holder> h = LeaseHolders.of(a.session(), "g");
                assertEquals("node:A@main held by pid " + ProcessHandle.current().pid() + " on host " + h.get(0).holder().orElseThrow().host()
                        + " (session 0x" + Long.toHexString(a.session().sessionId()) + ")", h.get(0).describe());
                assertEquals(a.session().sessionId(), h.get(0).sessionId());
                assertEquals(1, java.nio.file.Files.list(tmp.resolve("run")).count(), "one local lock per held lease");
                assertTrue(h.get(1).describe().startsWith("node:A@main awaited by an unnamed holder"), h.get(1).describe());
                held.close();
                waiter.get(20, java.util.concurrent.TimeUnit.SECONDS);
            }
            assertEquals(0, java.nio.file.Files.list(tmp.resolve("run")).count(), "released leases leave no lock file");
        }
    }
}
