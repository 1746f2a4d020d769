package reconciler.leases;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Connection-state behaviour: session expiry and SUSPENDED/RECONNECTED with the same session. */
class LeaseSessionTest {
    private static final String G = "graph-1";
    private static final String T = "node:Package";

    @TempDir
    Path tmp;

    /** Expires the session of {@code m} on the server: the standard duplicate-handle trick. */
    private static void expireSession(LeaseManager m, String connectString) throws Exception {
        ZooKeeper original = m.client().getZookeeperClient().getZooKeeper();
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper dup = new ZooKeeper(connectString, 2000, e -> {
            if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        }, original.getSessionId(), original.getSessionPasswd());
        try {
            assertTrue(connected.await(10, TimeUnit.SECONDS), "duplicate handle connected");
        } finally {
            dup.close(); // closes the shared session on the server
        }
    }

    @Test
    void sessionExpiryInvalidatesForeverAndAnotherSessionTakesOverWithHigherToken() throws Exception {
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(tmp.resolve("zk"), 0, 500);
             LeaseManager a = new LeaseManager(zk.connectString(), Duration.ofSeconds(2), Duration.ofSeconds(10));
             LeaseManager b = new LeaseManager(zk.connectString(), Duration.ofSeconds(10), Duration.ofSeconds(10))) {
            assertEquals(2000, a.client().getZookeeperClient().getZooKeeper().getSessionTimeout());
            List<ConnectionState> statesA = new CopyOnWriteArrayList<>();
            a.client().getConnectionStateListenable().addListener((c, s) -> statesA.add(s));

            LeaseSet la = a.acquire(G, "main", List.of(T, "edge:DependsOn"), Duration.ofSeconds(5));
            long tokenA = la.fencingToken(T);
            assertEquals(1, tokenA);
            assertThrows(LeaseTimeoutException.class, () -> b.acquire(G, "main", List.of(T), Duration.ofMillis(200)));

            expireSession(a, zk.connectString());

            Await.until(() -> !la.isValid(), Duration.ofSeconds(15), "A's lease invalid after session expiry");
            LeaseLostException lost = assertThrows(LeaseLostException.class, la::checkValid);
            assertTrue(lost.getMessage().contains(G) && lost.getMessage().contains(T), lost.getMessage());

            try (LeaseSet lb = b.acquire(G, "main", List.of(T), Duration.ofSeconds(10))) {
                assertTrue(lb.fencingToken(T) > tokenA, "B token " + lb.fencingToken(T) + " > " + tokenA);
                assertEquals(2, lb.fencingToken(T));
                lb.checkValid();
            }

            // A gets a new session; its old lease must stay invalid
            Await.until(() -> statesA.contains(ConnectionState.LOST) && statesA.contains(ConnectionState.RECONNECTED)
                    && statesA.indexOf(ConnectionState.RECONNECTED) > statesA.indexOf(ConnectionState.LOST),
                    Duration.ofSeconds(15), "A LOST then RECONNECTED, states " + statesA);
            assertFalse(la.isValid());
            assertThrows(LeaseLostException.class, la::checkValid);
            la.close(); // must not throw; lock nodes went with the old session

            // A works again with its new session, with a higher token
            try (LeaseSet again = a.acquire(G, "main", List.of(T), Duration.ofSeconds(10))) {
                assertEquals(3, again.fencingToken(T));
                assertTrue(again.isValid());
            }
        }
    }

    @Test
    void suspendedLeaseIsInvalidAndBecomesValidAgainAfterReconnectWithSameSession() throws Exception {
        try (RestartableZooKeeper zk = new RestartableZooKeeper(tmp.resolve("zk"));
             LeaseManager a = new LeaseManager(zk.connectString, Duration.ofSeconds(15), Duration.ofSeconds(10))) {
            long session = RestartableZooKeeper.sessionId(a);
            LeaseSet la = a.acquire(G, "main", List.of(T), Duration.ofSeconds(5));
            assertEquals(1, la.fencingToken(T));

            zk.stopUntilInvalid(la); // server down: A goes SUSPENDED
            LeaseLostException e = assertThrows(LeaseLostException.class, la::checkValid);
            assertTrue(e.getMessage().contains("SUSPENDED"), e.getMessage());
            LeaseException refused = assertThrows(LeaseException.class,
                    () -> a.acquire(G, "main", List.of("other"), Duration.ofSeconds(1)));
            assertFalse(refused instanceof LeaseTimeoutException);
            assertTrue(refused.getMessage().contains("SUSPENDED"), refused.getMessage());

            zk.restart(); // same port and data: the session survives
            Await.until(la::isValid, Duration.ofSeconds(15), "lease valid again after RECONNECTED");
            la.checkValid();
            assertEquals(session, RestartableZooKeeper.sessionId(a));
            assertEquals(1, a.currentFence(G, "main", T));
            la.close();

            try (LeaseManager b = new LeaseManager(zk.connectString, Duration.ofSeconds(4), Duration.ofSeconds(10));
                 LeaseSet lb = b.acquire(G, "main", List.of(T), Duration.ofSeconds(5))) {
                assertEquals(2, lb.fencingToken(T));
            }
        }
    }
}
