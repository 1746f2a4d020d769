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
        try (RestartableZooKeeper zk = new RestartableZooKeeper(tmp.resolve("zk"));
             LeaseManager a = new LeaseManager(zk.connectString, Duration.ofSeconds(15), Duration.ofSeconds(10))) {
            long session = RestartableZooKeeper.sessionId(a);
            LeaseSet la = a.acquire("g", "main", List.of("node:A", "node:B"), Duration.ofSeconds(5));
            zk.stopUntilInvalid(la); // server gone: SUSPENDED, the session lives on in the server's data
            assertFalse(a.isConnected());

            long start = System.nanoTime();
            la.close();
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(tookMs < 2000, "close while SUSPENDED took " + tookMs + " ms (it blocked on Curator's retries before)");

            zk.restart(); // same data: the session survives and reconnects
            Await.until(a::isConnected, Duration.ofSeconds(15), "reconnected");
            assertEquals(session, RestartableZooKeeper.sessionId(a), "same session");
            try (LeaseManager b = new LeaseManager(zk.connectString, Duration.ofSeconds(4), Duration.ofSeconds(10));
                 LeaseSet lb = b.acquire("g", "main", List.of("node:A", "node:B"), Duration.ofSeconds(10))) {
                assertTrue(lb.isValid(), "the background delete freed both leases while A's session is still alive");
            }
        }
    }
}
