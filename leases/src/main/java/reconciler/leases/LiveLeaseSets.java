package reconciler.leases;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live {@link LeaseSet}s of one {@link LeaseManager} and how they follow the session's
 * connection state: on SUSPENDED, READ_ONLY or LOST every live set becomes invalid at once; on
 * RECONNECTED each set is re-verified (its lock nodes must still exist and be ephemerals of the
 * current session) on a background thread.
 */
final class LiveLeaseSets {
    private static final Logger LOG = LoggerFactory.getLogger(LiveLeaseSets.class);
    private static final int VERIFY_ATTEMPTS = 3;

    private final ZkSession session;
    private final CuratorFramework client;
    private final Set<LeaseSet> live = ConcurrentHashMap.newKeySet();
    private final ExecutorService verifier;
    private volatile boolean stopped;

    LiveLeaseSets(ZkSession session) {
        this.session = session;
        this.client = session.client();
        this.verifier = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "lease-verifier");
            t.setDaemon(true);
            return t;
        });
    }

    void add(LeaseSet set) {
        live.add(set);
    }

    void remove(LeaseSet set) {
        live.remove(set);
    }

    List<LeaseSet> snapshot() {
        return new ArrayList<>(live);
    }

    void clear() {
        live.clear();
    }

    /** Stops re-verification (the manager is closing). */
    void stop() {
        stopped = true;
        verifier.shutdownNow();
    }

    void onStateChanged(ConnectionState newState) {
        LOG.debug("connection {}: {} live lease set(s)", newState, live.size());
        switch (newState) {
            case SUSPENDED:
            case READ_ONLY:
                for (LeaseSet s : live) {
                    s.onSuspended(newState.name());
                }
                break;
            case LOST:
                for (LeaseSet s : live) {
                    s.onLost("connection LOST (ZooKeeper session expired or deemed expired)");
                }
                break;
            case RECONNECTED:
                for (LeaseSet s : live) {
                    long epoch = s.onReconnected();
                    if (!s.isLost()) {
                        try {
                            verifier.execute(() -> verify(s, epoch));
                        } catch (RejectedExecutionException e) {
                            LOG.debug("verifier stopped; not re-verifying {}", s);
                        }
                    }
                }
                break;
            default:
                break;
        }
    }

    /**
     * Re-reads every lock node of the set: each must exist and be an ephemeral of the current
     * session. Missing or foreign => lost forever; all present => valid again (if no newer
     * connection event happened meanwhile). Errors leave the set invalid until the next event.
     */
    void verify(LeaseSet set, long epoch) {
        for (int attempt = 1; attempt <= VERIFY_ATTEMPTS && !stopped; attempt++) {
            if (set.isLost() || set.epoch() != epoch || !session.isConnected()) {
                return;
            }
            try {
                long sid = client.getZookeeperClient().getZooKeeper().getSessionId();
                for (String node : set.lockNodes()) {
                    Stat st = client.checkExists().forPath(node);
                    if (st == null) {
                        set.markLost("lock node " + node + " vanished (session expired) - seen after RECONNECTED");
                        return;
                    }
                    if (st.getEphemeralOwner() != sid) {
                        set.markLost("lock node " + node + " belongs to session 0x" + Long.toHexString(st.getEphemeralOwner())
                                + ", not ours (0x" + Long.toHexString(sid) + ") - seen after RECONNECTED");
                        return;
                    }
                }
                set.markVerified(epoch);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                LOG.warn("could not re-verify lock nodes of {} (attempt {}/{}): {}", set, attempt, VERIFY_ATTEMPTS,
                        e.toString());
                try {
                    Thread.sleep(200L * attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

}
