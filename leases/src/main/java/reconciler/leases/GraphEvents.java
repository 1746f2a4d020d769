package reconciler.leases;

import java.util.function.Consumer;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches every graph's znodes with one {@link CuratorCache} on {@code /graphs} and reports, per
 * graph id, the events that can make a pass useful:
 * <ul>
 *   <li>{@link Kind#SIGNAL}: a writer's change signal ({@link LeaseManager#signalChange}): a sidecar
 *       was written or a manifest published;</li>
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
    private final org.apache.curator.framework.CuratorFramework client;

    /**
     * Starts watching.
     *
     * @param leases the connection to use
     * @param listener called on Curator's event thread; must not block
     */
    public GraphEvents(LeaseManager leases, Consumer<Event> listener) {
        this.client = leases.client();
        this.cache = CuratorCache.build(leases.client(), "/graphs");
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
        String[] parts = n.getPath().split("/");
        if (parts.length < 4 || !"graphs".equals(parts[1])) {
            return;
        }
        String graph = LeaseManager.decodeSegment(parts[2]);
        try {
            if (!deleted && parts.length == 4 && "changes".equals(parts[3])) {
                listener.accept(new Event(graph, Kind.SIGNAL));
            } else if (deleted && parts.length == 7 && "leases".equals(parts[3]) && "lock".equals(parts[5])) {
                listener.accept(new Event(graph, Kind.LEASE_RELEASED));
            }
        } catch (RuntimeException e) {
            LOG.warn("graph event listener failed for {}: {}", n.getPath(), e.toString());
        }
    }

    @Override
    public void close() {
        cache.close();
    }
}
