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
 * Events from the cache's initial load are not reported. One ZooKeeper watch tree serves any number
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

    /**
     * Starts watching.
     *
     * @param leases the connection to use
     * @param listener called on Curator's event thread; must not block
     */
    public GraphEvents(LeaseManager leases, Consumer<Event> listener) {
        this.cache = CuratorCache.build(leases.client(), "/graphs");
        java.util.concurrent.atomic.AtomicBoolean initialized = new java.util.concurrent.atomic.AtomicBoolean();
        CuratorCacheListener l = CuratorCacheListener.builder()
                .forCreates(n -> {
                    if (initialized.get()) {
                        dispatch(n, false, listener);
                    }
                })
                .forChanges((oldNode, n) -> dispatch(n, false, listener))
                .forDeletes(n -> dispatch(n, true, listener))
                .forInitialized(() -> initialized.set(true))
                .build();
        cache.listenable().addListener(l);
        cache.start();
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
