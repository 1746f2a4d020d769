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
}
