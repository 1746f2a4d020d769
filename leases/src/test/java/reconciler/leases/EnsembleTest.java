package reconciler.leases;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Leases over a real 3-node ZooKeeper ensemble (Curator's TestingCluster) while a follower and then the leader die. */
class EnsembleTest {

    private static TestingCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        System.setProperty("zookeeper.4lw.commands.whitelist", "*");
        System.setProperty("zookeeper.admin.enableServer", "false");
        cluster = new TestingCluster(3);
        cluster.start();
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    static void await(java.util.concurrent.Callable<Boolean> c, Duration timeout, String what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!c.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void leasesSurviveTheLossOfAFollowerAndOfTheLeader() throws Exception {
        // 30 s session (the cluster allows up to 20 ticks of 2 s): the session must outlive a leader kill,
        // a follower restart and an election on a slow machine, or Curator declares it LOST.
        try (LeaseManager m = new LeaseManager(cluster.getConnectString(), Duration.ofSeconds(30), Duration.ofSeconds(20))) {
            LeaseSet held = m.acquire("ens", "main", List.of("node:A"), Duration.ofSeconds(10));
            long t1 = held.fencingToken("node:A");

            await(() -> cluster.getInstances().stream().filter(Ensembles::isLeader).count() == 1, Duration.ofSeconds(60),
                    "exactly one leader answering");
            InstanceSpec follower = cluster.getInstances().stream().filter(s -> !Ensembles.isLeader(s)).findFirst().orElseThrow();
            assertTrue(cluster.killServer(follower));
            await(() -> m.isConnected() && held.isValid(), Duration.ofSeconds(30), "lease valid after a follower died");
            try (LeaseSet other = m.acquire("ens", "main", List.of("node:B"), Duration.ofSeconds(10))) {
                assertTrue(other.fencingToken("node:B") >= 1);
            }

            await(() -> cluster.getInstances().stream().anyMatch(s -> s != follower && Ensembles.isLeader(s)), Duration.ofSeconds(60),
                    "a leader among the two left");
            InstanceSpec leader = cluster.getInstances().stream().filter(s -> s != follower && Ensembles.isLeader(s)).findFirst().orElseThrow();
            assertTrue(cluster.killServer(leader));
            // with one of three servers left there is no quorum: the lease must not be valid
            await(() -> !held.isValid(), Duration.ofSeconds(30), "lease invalid without a quorum");
            assertTrue(cluster.restartServer(follower));
            await(() -> m.isConnected() && held.isValid(), Duration.ofSeconds(60), "same session, lease re-verified after quorum returned");
            held.checkValid();
            held.close();
            try (LeaseSet again = m.acquire("ens", "main", List.of("node:A"), Duration.ofSeconds(10))) {
                assertEquals(t1 + 1, again.fencingToken("node:A"), "fencing tokens stay monotone across the leader change");
            }
            assertTrue(cluster.restartServer(leader));
        }
    }
}
