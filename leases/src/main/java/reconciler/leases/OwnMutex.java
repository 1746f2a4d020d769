package reconciler.leases;

import java.util.Collection;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.zookeeper.data.Stat;

/**
 * The {@link InterProcessMutex} of one lease: creates its lock node with the given data (the
 * holder's {@link HolderIdentity}, or Curator's default) and finds the lock node it created.
 */
final class OwnMutex extends InterProcessMutex {
    private final CuratorFramework client;
    private final byte[] nodeData;

    /**
     * @param path     the lease's lock directory ({@link LeasePaths#lockDir})
     * @param nodeData data of the lock node to create, or null for Curator's default (the client's address)
     */
    OwnMutex(CuratorFramework client, String path, byte[] nodeData) {
        super(client, path);
        this.client = client;
        this.nodeData = nodeData;
    }

    @Override
    protected byte[] getLockNodeBytes() {
        return nodeData;
    }

    /**
     * Finds our own lock node: Curator records it per acquiring thread (getLockPath()). Fallback:
     * the holder is the lowest participant, which must be an ephemeral of our session.
     *
     * @return the lock node's full path inside the namespace
     * @throws LeaseLostException if no lock node of ours exists
     * @throws LeaseException on a ZooKeeper error
     */
    String ownLockNode(String lockDir, String table) throws LeaseException, InterruptedException {
        String node = getLockPath();
        if (node != null) {
            return node;
        }
        try {
            Collection<String> participants = getParticipantNodes();
            if (!participants.isEmpty()) {
                String lowest = participants.iterator().next();
                Stat st = client.checkExists().forPath(lowest);
                long sid = client.getZookeeperClient().getZooKeeper().getSessionId();
                if (st != null && st.getEphemeralOwner() == sid) {
                    return lowest;
                }
            }
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new LeaseException("cannot determine our lock node under " + lockDir + ": " + e, e);
        }
        throw new LeaseLostException("acquired lease on table '" + table + "' but found no lock node of ours under "
                + lockDir);
    }
}
