package reconciler.leases;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Closing a lease set while the connection is SUSPENDED (a holder that stops because of a
 * partition) must return at once, not after Curator's retries, and must not leak the lock node
 * when the same session reconnects.
 */
class LeaseReleaseWhileSuspendedTest {

    @TempDir
    Path tmp;

    @Test
    void closeWhileSuspendedReturnsAtOnceAndTheLockNodeIsDeletedOnReconnect() throws Exception {
        Path dir = tmp.resolve("zk");
        EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir, 0, 500);
        int port = zk.port();
        String cs = zk.connectString();
        try (LeaseManager a = new LeaseManager(cs, Duration.ofSeconds(15), Duration.ofSeconds(10))) {
            long session = a.client().getZookeeperClient().getZooKeeper().getSessionId();
            LeaseSet la = a.acquire("g", "main", List.of("node:A", "node:B"), Duration.ofSeconds(5));
            zk.close(); // server gone: SUSPENDED, the session lives on in the server's data
            Await.until(() -> !la.isValid(), Duration.ofSeconds(15), "lease invalid while SUSPENDED");
            assertFalse(a.isConnected());

            long start = System.nanoTime();
            la.close();
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(tookMs < 2000, "close while SUSPENDED took " + tookMs + " ms (it blocked on Curator's retries before)");

            zk = EmbeddedZooKeeper.start(dir, port, 500); // same data: the session survives and reconnects
            Await.until(a::isConnected, Duration.ofSeconds(15), "reconnected");
            assertEquals(session, a.client().getZookeeperClient().getZooKeeper().getSessionId(), "same session");
            try (LeaseManager b = new LeaseManager(cs, Duration.ofSeconds(4), Duration.ofSeconds(10));
                 LeaseSet lb = b.acquire("g", "main", List.of("node:A", "node:B"), Duration.ofSeconds(10))) {
                assertTrue(lb.isValid(), "the background delete freed both leases while A's session is still alive");
            }
        } finally {
            zk.close();
        }
    }
}
