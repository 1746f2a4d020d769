package reconciler.leases;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** External-ensemble options: a chroot in the connect string, digest authentication with CREATOR_ALL ACLs. */
class AuthAndChrootTest {

    @Test
    void digestAuthLocksLeaseNodesToTheUserAndChrootConfinesThePaths(@TempDir Path dir) throws Exception {
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir, 0, 500);
             LeaseManager m = new LeaseManager(zk.connectString() + "/tenant-a", Duration.ofSeconds(5), Duration.ofSeconds(10), "alice:s3cret");
             LeaseSet lease = m.acquire("g", "main", List.of("node:A"), Duration.ofSeconds(5))) {
            assertEquals(1, lease.fencingToken("node:A"));
            try (CuratorFramework anon = CuratorFrameworkFactory.newClient(zk.connectString(), new RetryOneTime(100))) {
                anon.start();
                anon.blockUntilConnected();
                String fence = "/tenant-a/reconciler/graphs/g/leases/node%3AA@main/fence";
                assertThrows(KeeperException.NoAuthException.class, () -> anon.checkExists().forPath(fence));
                assertThrows(KeeperException.NoAuthException.class, () -> anon.getACL().forPath(fence));
                assertThrows(KeeperException.NoAuthException.class, () -> anon.getData().forPath(fence));
                assertThrows(KeeperException.NoAuthException.class, () -> anon.setData().forPath(fence, "999".getBytes()));
            }
            try (CuratorFramework alice = CuratorFrameworkFactory.builder().connectString(zk.connectString())
                    .retryPolicy(new RetryOneTime(100)).authorization("digest", "alice:s3cret".getBytes()).build()) {
                alice.start();
                alice.blockUntilConnected();
                assertNotNull(alice.checkExists().forPath("/tenant-a/reconciler/graphs/g/leases/node%3AA@main/fence"),
                        "the chroot holds the lease tree");
                List<ACL> acl = alice.getACL().forPath("/tenant-a/reconciler/graphs/g/leases/node%3AA@main/fence");
                assertEquals(1, acl.size());
                assertEquals("digest", acl.get(0).getId().getScheme());
                assertEquals(ZooDefs.Perms.ALL, acl.get(0).getPerms());
                assertEquals("1", new String(alice.getData().forPath("/tenant-a/reconciler/graphs/g/leases/node%3AA@main/fence")));
            }
        }
    }
}
