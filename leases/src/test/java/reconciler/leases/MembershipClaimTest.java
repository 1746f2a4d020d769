package reconciler.leases;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Claiming many graphs in one pipelined batch (a daemon starting with thousands of graphs): every
 * free graph is owned afterwards, a graph another member owns is not, against a real ZooKeeper server.
 */
class MembershipClaimTest {

    @Test
    void aBatchClaimsEveryFreeGraphAndNoneOwnedElsewhere(@TempDir Path dir) throws Exception {
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir.resolve("zk"), 0, 100);
             LeaseManager a = new LeaseManager(zk.connectString(), Duration.ofSeconds(4), Duration.ofSeconds(10));
             LeaseManager b = new LeaseManager(zk.connectString(), Duration.ofSeconds(4), Duration.ofSeconds(10));
             Membership ma = new Membership(a, "a:1:x", () -> { });
             Membership mb = new Membership(b, "b:2:y", () -> { })) {
            assertTrue(mb.claim("taken"));
            List<String> ids = new ArrayList<>(List.of("taken"));
            for (int i = 0; i < 2000; i++) {
                ids.add("g" + i);
            }
            Set<String> owned = ma.claimAll(ids, Duration.ofSeconds(60));
            assertEquals(2000, owned.size());
            assertFalse(owned.contains("taken"));
            assertTrue(ma.ownsHere("g1999") && !ma.ownsHere("taken") && mb.ownsHere("taken"));
            assertEquals(ids.size() - 1, ma.claimAll(ids, Duration.ofSeconds(60)).size(), "a second batch finds them owned here");
        }
    }
}
