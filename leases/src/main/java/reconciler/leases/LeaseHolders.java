package reconciler.leases;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/** Who holds the leases of a graph now, read from the lock nodes (for {@code status}). */
public final class LeaseHolders {

    private LeaseHolders() {
    }

    /**
     * One held lease (or a waiter: every lock node of a lease is listed, the holder first).
     *
     * @param tableKey  table key
     * @param branch    branch
     * @param lockNode  the lock node's path inside the namespace
     * @param sessionId the ZooKeeper session owning the node
     * @param holder    who wrote the node, if it recorded itself ({@link HolderIdentity})
     * @param holds     whether this node holds the lease (the lowest sequence); false: a waiter
     */
    public record Holder(String tableKey, String branch, String lockNode, long sessionId, Optional<HolderIdentity> holder,
                         boolean holds) {
        /** @return e.g. {@code node:Package@main held by pid 4242 on host h1 (session 0x1a2b)} */
        public String describe() {
            return tableKey + "@" + branch + (holds ? " held by " : " awaited by ") + holder.map(h -> "pid " + h.pid() + " on host " + h.host()).orElse("an unnamed holder")
                    + " (session 0x" + Long.toHexString(sessionId) + ")";
        }
    }

    /**
     * Lists the lock nodes of every lease of a graph, sorted by lease then sequence.
     *
     * @param session a connected session
     * @param graphId the graph
     * @return the lock nodes (empty when no lease is held)
     * @throws LeaseException if ZooKeeper cannot be read (interrupts restore the flag)
     */
    public static List<Holder> of(ZkSession session, String graphId) throws LeaseException {
        CuratorFramework c = session.client();
        String leases = LeasePaths.graphPath(graphId) + "/leases";
        List<Holder> out = new ArrayList<>();
        try {
            if (c.checkExists().forPath(leases) == null) {
                return out;
            }
            List<String> dirs = new ArrayList<>(c.getChildren().forPath(leases));
            Collections.sort(dirs);
            for (String d : dirs) {
                List<String> nodes;
                try {
                    nodes = new ArrayList<>(c.getChildren().forPath(leases + "/" + d + "/lock"));
                } catch (KeeperException.NoNodeException e) {
                    continue;
                }
                // Curator's lock nodes end with a sequence number: the lowest holds the lease
                nodes.sort((a, b) -> a.substring(Math.max(0, a.length() - 10)).compareTo(b.substring(Math.max(0, b.length() - 10))));
                boolean first = true;
                for (String n : nodes) {
                    String path = leases + "/" + d + "/lock/" + n;
                    Optional<LeasePaths.LockNode> lease = LeasePaths.parseLockNode(path);
                    Stat st = new Stat();
                    byte[] data;
                    try {
                        data = c.getData().storingStatIn(st).forPath(path);
                    } catch (KeeperException.NoNodeException e) {
                        continue;
                    }
                    if (lease.isPresent()) {
                        out.add(new Holder(lease.get().tableKey(), lease.get().branch(), path, st.getEphemeralOwner(),
                                HolderIdentity.decode(data), first));
                        first = false;
                    }
                }
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LeaseException("interrupted listing lease holders of graph '" + graphId + "'", e);
        } catch (Exception e) {
            throw new LeaseException("cannot list lease holders of graph '" + graphId + "': " + e, e);
        }
    }
}
