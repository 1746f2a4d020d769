package reconciler.leases;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches every graph's znodes with one {@link CuratorCache} on {@code /graphs} and reports, per
 * graph id, the events that can make a pass useful:
 * <ul>
 *   <li>{@link Kind#SIGNAL}: a writer's change signal ({@link #signalChange}): a sidecar
 *       was written or a manifest published (or a daemon broke a dead holder's lease);</li>
 *   <li>{@link Kind#LEASE_RELEASED}: a lock node vanished: a writer released its lease, or its
 *       session died with the lease held (a sidecar it left can now be recovered).</li>
 * </ul>
 * Events from the cache's initial load are not reported, nor the removal of lock nodes this
 * process's own session created. One ZooKeeper watch tree serves any number
 * of graphs; ZooKeeper pushes changes, so an idle graph costs no requests.
 */
public final class GraphEvents implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GraphEvents.class);

    /** What happened. */
    public enum Kind { SIGNAL, LEASE_RELEASED }

    /**
     * One event.
     *
     * @param graphId the graph (decoded)
     * @param kind what happened
     */
    public record Event(String graphId, Kind kind) {
    }

    private final CuratorCache cache;
    private final CuratorFramework client;

    /**
     * Starts watching.
     *
     * @param leases the connection to use (its {@link LeaseManager#session()})
     * @param listener called on Curator's event thread; must not block
     */
    public GraphEvents(LeaseManager leases, Consumer<Event> listener) {
        this(leases.session(), listener);
    }

    /**
     * Starts watching.
     *
     * @param session the connection to use
     * @param listener called on Curator's event thread; must not block
     */
    public GraphEvents(ZkSession session, Consumer<Event> listener) {
        this.client = session.client();
        this.cache = CuratorCache.build(client, "/graphs");
        java.util.concurrent.atomic.AtomicBoolean initialized = new java.util.concurrent.atomic.AtomicBoolean();
        CuratorCacheListener l = CuratorCacheListener.builder()
                .forCreates(n -> {
                    if (initialized.get()) {
                        dispatch(n, false, listener);
                    }
                })
                .forChanges((oldNode, n) -> dispatch(n, false, listener))
                .forDeletes(n -> {
                    if (!ownNode(n)) {
                        dispatch(n, true, listener);
                    }
                })
                .forInitialized(() -> initialized.set(true))
                .build();
        cache.listenable().addListener(l);
        cache.start();
    }

    /**
     * Whether a vanished node was created by this process's own session: a daemon that tried a busy
     * lease and gave up must not wake itself (that would spin until the holder lets go).
     */
    private boolean ownNode(ChildData n) {
        try {
            return n.getStat() != null && n.getStat().getEphemeralOwner() != 0
                    && n.getStat().getEphemeralOwner() == client.getZookeeperClient().getZooKeeper().getSessionId();
        } catch (Exception e) {
            return false;
        }
    }

    private static void dispatch(ChildData n, boolean deleted, Consumer<Event> listener) {
        // /graphs/<g>/changes  or  /graphs/<g>/leases/<table>@<branch>/lock/<lock node>
        String path = n.getPath();
        Optional<String> graph = LeasePaths.graphOf(path);
        if (graph.isEmpty()) {
            return;
        }
        try {
            if (!deleted && path.equals(LeasePaths.changesPath(graph.get()))) {
                listener.accept(new Event(graph.get(), Kind.SIGNAL));
            } else if (deleted && LeasePaths.parseLockNode(path).isPresent()) {
                listener.accept(new Event(graph.get(), Kind.LEASE_RELEASED));
            }
        } catch (RuntimeException e) {
            LOG.warn("graph event listener failed for {}: {}", n.getPath(), e.toString());
        }
    }

    /**
     * Publishes a cheap change signal for a graph: sets the data of {@code /graphs/<graph>/changes}
     * (created on first use) to the current time in epoch milliseconds. Writers call it after
     * writing a sidecar and after a publish; daemons watching the graph start a pass. Best effort:
     * the daemon's safety poll covers a lost signal, so failures are logged at DEBUG and reported,
     * not thrown.
     *
     * @param session the connection to write through
     * @param graphId the graph (non-empty)
     * @return whether the signal was written
     */
    public static boolean signalChange(ZkSession session, String graphId) {
        Objects.requireNonNull(graphId, "graphId");
        if (graphId.isEmpty()) {
            throw new IllegalArgumentException("graphId must not be empty");
        }
        CuratorFramework client = session.client();
        String path = LeasePaths.changesPath(graphId);
        byte[] data = Long.toString(System.currentTimeMillis()).getBytes(StandardCharsets.US_ASCII);
        try {
            try {
                client.setData().forPath(path, data);
            } catch (KeeperException.NoNodeException e) {
                try {
                    client.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT).forPath(path, data);
                } catch (KeeperException.NodeExistsException race) {
                    client.setData().forPath(path, data);
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            LOG.debug("change signal for graph '{}' not written: {}", graphId, e.toString());
            return false;
        }
    }

    @Override
    public void close() {
        cache.close();
    }
}
