package reconciler.leases;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several daemons share graphs: each registers an ephemeral member node
 * ({@code /daemons/<memberId>}, a Curator {@link PersistentNode} re-created after a new session);
 * every graph is assigned to one member by rendezvous hashing over the sorted live members, so
 * graphs rebalance when a member joins or dies; the assigned member <em>claims</em> the graph by
 * creating the ephemeral znode {@code /graphs/<graph>/owner} (data: member id). ZooKeeper's
 * create is atomic, so at most one daemon owns a graph at a time; a daemon whose session dies
 * loses its owner nodes with it (and, being SUSPENDED first, stops acting before the server
 * expires the session; fencing tokens cover the overlap).
 */
public final class Membership implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Membership.class);

    private final CuratorFramework client;
    private final String memberId;
    private final PersistentNode self;
    private final CuratorCache members;

    /**
     * Joins.
     *
     * @param leases the connection
     * @param memberId this daemon's id (unique among live daemons, e.g. {@code host:pid:uuid})
     * @param onChange called (on Curator's thread, must not block) when the member set changes
     */
    public Membership(LeaseManager leases, String memberId, Runnable onChange) {
        this.client = leases.client();
        this.memberId = memberId;
        this.self = new PersistentNode(client, CreateMode.EPHEMERAL, false, LeasePaths.memberPath(memberId),
                memberId.getBytes(StandardCharsets.UTF_8));
        this.members = CuratorCache.build(client, "/daemons");
        members.listenable().addListener(CuratorCacheListener.builder().forAll((type, oldData, data) -> onChange.run()).build());
        self.start();
        members.start();
    }

    /** This daemon's id. */
    public String memberId() {
        return memberId;
    }

    /** Waits until this member's node exists (bounded). @return whether it does */
    public boolean awaitRegistered(java.time.Duration timeout) throws InterruptedException {
        return self.waitForInitialCreate(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Live member ids, sorted. */
    public List<String> members() {
        List<String> out = new ArrayList<>();
        members.stream().forEach(d -> {
            String[] p = d.getPath().split("/");
            if (p.length == 3) {
                out.add(LeasePaths.decodeSegment(p[2]));
            }
        });
        if (!out.contains(memberId) && self.getActualPath() != null) {
            out.add(memberId); // our own registration may not have reached the cache yet
        }
        Collections.sort(out);
        return out;
    }

    /**
     * The member a graph is assigned to: highest rendezvous hash of (member, graph).
     *
     * @return the member id, or empty if no member is live
     */
    public static Optional<String> assign(String graphId, List<String> members) {
        String best = null;
        long bestScore = Long.MIN_VALUE;
        for (String m : members) {
            long score = mix((m + "\u0000" + graphId).hashCode() * 0x9E3779B97F4A7C15L + m.length());
            if (best == null || score > bestScore || (score == bestScore && m.compareTo(best) < 0)) {
                best = m;
                bestScore = score;
            }
        }
        return Optional.ofNullable(best);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Whether the graph is assigned to this member under the current member set. */
    public boolean assignedHere(String graphId) {
        return assign(graphId, members()).map(memberId::equals).orElse(false);
    }

    /**
     * Claims a graph: creates its owner znode if absent.
     *
     * @return whether this member (this session) owns the graph now
     * @throws LeaseException on a ZooKeeper error
     */
    public boolean claim(String graphId) throws LeaseException {
        String path = LeasePaths.ownerPath(graphId);
        try {
            client.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL)
                    .forPath(path, memberId.getBytes(StandardCharsets.UTF_8));
            LOG.info("daemon {} now owns graph '{}'", memberId, graphId);
            return true;
        } catch (KeeperException.NodeExistsException e) {
            return ownsHere(graphId);
        } catch (Exception e) {
            throw new LeaseException("cannot claim graph '" + graphId + "': " + e, e);
        }
    }

    /**
     * Claims many graphs at once (a daemon starting with 10,000 graphs): the owner znodes are created
     * with pipelined background requests, so the server commits them in a few log syncs instead of
     * one round trip and one sync per graph. Graphs whose owner znode already exists are owned only if
     * this session holds it ({@link #ownsHere}). One INFO line for the lot.
     *
     * @param timeout how long to wait for the answers, plus 5 ms per graph (graphs unanswered by then count as not claimed)
     * @return the graphs this member owns after the call
     */
    public java.util.Set<String> claimAll(java.util.Collection<String> graphIds, java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos() + 5_000_000L * graphIds.size();
        java.util.Set<String> owned = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.Set<String> existing = java.util.concurrent.ConcurrentHashMap.newKeySet();
        try {
            // Curator's creatingParentContainersIfNeeded creates missing parents with synchronous calls on its one
            // background thread (one synced create per new graph, in series): the parents are pipelined here instead.
            client.createContainers("/graphs");
        } catch (Exception e) {
            LOG.warn("cannot create /graphs: {}", e.toString());
            return owned;
        }
        pipelined(graphIds, gid -> LeasePaths.graphPath(gid), CreateMode.CONTAINER, new byte[0], (gid, rc) -> { }, deadline);
        byte[] data = memberId.getBytes(StandardCharsets.UTF_8);
        pipelined(graphIds, LeasePaths::ownerPath, CreateMode.EPHEMERAL, data, (gid, rc) -> {
            if (rc == KeeperException.Code.OK.intValue()) {
                owned.add(gid);
            } else if (rc == KeeperException.Code.NODEEXISTS.intValue()) {
                existing.add(gid); // checked below: no blocking call on Curator's event thread
            }
        }, deadline);
        for (String gid : existing) {
            try {
                if (ownsHere(gid)) {
                    owned.add(gid);
                }
            } catch (LeaseException e) {
                LOG.warn("{}", e.getMessage());
            }
        }
        if (!owned.isEmpty()) {
            LOG.info("daemon {} now owns {} graph(s) (claimed together)", memberId, owned.size());
        }
        return owned;
    }

    /** Creates one node per graph with background requests (no parents created) and waits for every answer until the deadline. */
    private void pipelined(java.util.Collection<String> graphIds, java.util.function.Function<String, String> path, CreateMode mode, byte[] data,
            java.util.function.ObjIntConsumer<String> onAnswer, long deadlineNanos) throws InterruptedException {
        java.util.concurrent.CountDownLatch answered = new java.util.concurrent.CountDownLatch(graphIds.size());
        for (String gid : graphIds) {
            try {
                client.create().withMode(mode).inBackground((c, event) -> {
                    onAnswer.accept(gid, event.getResultCode());
                    answered.countDown();
                }).forPath(path.apply(gid), data);
            } catch (Exception e) {
                answered.countDown();
                LOG.warn("cannot create {}: {}", path.apply(gid), e.toString());
            }
        }
        if (!answered.await(Math.max(0, deadlineNanos - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS)) {
            LOG.warn("creating {} node(s) like {}: {} unanswered", graphIds.size(), graphIds.isEmpty() ? "" : path.apply(graphIds.iterator().next()),
                    answered.getCount());
        }
    }

    /** Whether this session holds the graph's owner znode. @throws LeaseException on a ZooKeeper error */
    public boolean ownsHere(String graphId) throws LeaseException {
        String path = LeasePaths.ownerPath(graphId);
        try {
            Stat stat = new Stat();
            byte[] data = client.getData().storingStatIn(stat).forPath(path);
            return memberId.equals(new String(data, StandardCharsets.UTF_8))
                    && stat.getEphemeralOwner() == client.getZookeeperClient().getZooKeeper().getSessionId();
        } catch (KeeperException.NoNodeException e) {
            return false;
        } catch (Exception e) {
            throw new LeaseException("cannot read owner of graph '" + graphId + "': " + e, e);
        }
    }

    /** Gives a graph up (deletes the owner znode if it is ours). */
    public void release(String graphId) {
        try {
            if (ownsHere(graphId)) {
                client.delete().forPath(LeasePaths.ownerPath(graphId));
                LOG.info("daemon {} released graph '{}'", memberId, graphId);
            }
        } catch (Exception e) {
            LOG.warn("cannot release graph '{}': {}", graphId, e.toString());
        }
    }

    /**
     * The current owner of a graph, read from ZooKeeper.
     *
     * @return the owning member id, or empty
     * @throws LeaseException on a ZooKeeper error
     */
    public static Optional<String> owner(LeaseManager leases, String graphId) throws LeaseException {
        try {
            return Optional.of(new String(leases.client().getData().forPath(LeasePaths.ownerPath(graphId)),
                    StandardCharsets.UTF_8));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (Exception e) {
            throw new LeaseException("cannot read owner of graph '" + graphId + "': " + e, e);
        }
    }

    @Override
    public void close() {
        members.close();
        try {
            self.close();
        } catch (java.io.IOException e) {
            LOG.debug("member node close: {}", e.toString());
        }
    }
}
