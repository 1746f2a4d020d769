package reconciler.leases;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leases of one {@link LeaseManager#acquire} call: one ZooKeeper mutex per table of one
 * (graph, branch), each with its fencing token.
 *
 * <p>Validity: a lease set is valid from acquisition until the ZooKeeper connection goes
 * SUSPENDED (or READ_ONLY) or LOST, or until it is closed. After SUSPENDED, a RECONNECTED
 * event makes it valid again only once every one of its lock nodes has been re-read and still
 * exists and is owned by the current session. LOST (session expired) or a vanished lock node is
 * terminal: the set stays invalid forever. Holders must call {@link #checkValid()} before each
 * externally visible step (commit, publish) and pass the {@link #fencingToken(String) fencing
 * token} along so that storage can reject writes of stale holders.
 *
 * <p>Thread-safety: all methods may be called from any thread. {@link #close()} should be
 * called exactly once by the owner (extra calls are no-ops).
 */
public final class LeaseSet implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseSet.class);

    /** One held mutex. */
    static final class Held {
        final String tableKey;
        final InterProcessMutex mutex; // null: taken by BatchAcquire (release = delete the node)
        final String lockNode;
        final Thread owner;
        final LocalLivenessLock local; // null: none
        long token;

        Held(String tableKey, InterProcessMutex mutex, String lockNode, Thread owner, LocalLivenessLock local) {
            this.tableKey = tableKey;
            this.mutex = mutex;
            this.lockNode = lockNode;
            this.owner = owner;
            this.local = local;
        }
    }

    private final LeaseManager manager;
    private final CuratorFramework client;
    private final String graphId;
    private final String branch;
    private final AtomicBoolean closed = new AtomicBoolean();

    // guarded by this
    private final List<Held> held = new ArrayList<>();
    private boolean acquiring = true;
    private boolean suspended;
    private boolean lost;
    private long epoch;
    private String stateSeen = "CONNECTED";

    LeaseSet(LeaseManager manager, CuratorFramework client, String graphId, String branch) {
        this.manager = manager;
        this.client = client;
        this.graphId = graphId;
        this.branch = branch;
    }

    /**
     * Returns the graph id the leases belong to.
     *
     * @return the graph id as passed to {@link LeaseManager#acquire}
     */
    public String graphId() {
        return graphId;
    }

    /**
     * Returns the branch the leases belong to.
     *
     * @return the branch as passed to {@link LeaseManager#acquire}
     */
    public String branch() {
        return branch;
    }

    /**
     * Returns the table keys held, in sorted (acquisition) order.
     *
     * @return an unmodifiable sorted set of table keys
     */
    public synchronized SortedSet<String> tableKeys() {
        TreeSet<String> keys = new TreeSet<>();
        for (Held h : held) {
            keys.add(h.tableKey);
        }
        return Collections.unmodifiableSortedSet(keys);
    }

    /**
     * Returns the fencing token of one table: a positive counter, strictly greater than the token
     * of every earlier holder of the same (graph, table, branch), in any process.
     *
     * @param tableKey a table key of this set
     * @return the fencing token (&ge; 1)
     * @throws IllegalArgumentException if this set does not hold {@code tableKey}
     */
    public synchronized long fencingToken(String tableKey) {
        for (Held h : held) {
            if (h.tableKey.equals(tableKey) && h.token > 0) {
                return h.token;
            }
        }
        throw new IllegalArgumentException("lease set of graph '" + graphId + "' branch '" + branch
                + "' does not hold table '" + tableKey + "' (holds " + tableKeys() + ")");
    }

    /**
     * Returns every table's fencing token.
     *
     * @return an unmodifiable sorted map from table key to fencing token
     */
    public synchronized SortedMap<String, Long> fencingTokens() {
        TreeMap<String, Long> m = new TreeMap<>();
        for (Held h : held) {
            if (h.token > 0) {
                m.put(h.tableKey, h.token);
            }
        }
        return Collections.unmodifiableSortedMap(m);
    }

    /**
     * Tells whether the leases may still be acted on. Cheap (no ZooKeeper round trip): it reflects
     * the connection-state events seen by the {@link LeaseManager}.
     *
     * @return false once the connection went SUSPENDED or LOST after acquisition (until a
     *         RECONNECTED has been verified), forever after a session loss or a vanished lock node,
     *         and after {@link #close()}; true otherwise
     */
    public synchronized boolean isValid() {
        return !closed.get() && !lost && !suspended;
    }

    /**
     * Throws unless {@link #isValid()}. Call it before each step that must only happen under the
     * lease (commit, publish).
     *
     * @throws LeaseLostException if the set is not valid; the message names graph, branch,
     *                            tables and the state seen (SUSPENDED, LOST, vanished lock node,
     *                            closed)
     */
    public void checkValid() throws LeaseLostException {
        String why;
        synchronized (this) {
            if (isValid()) {
                return;
            }
            why = closed.get() ? "lease set closed" : stateSeen;
        }
        throw new LeaseLostException("lease on graph '" + graphId + "' branch '" + branch + "' tables "
                + tableKeys() + " is no longer valid: " + why);
    }

    /**
     * Releases the mutexes in reverse acquisition order. Never throws: if the session was lost or
     * ZooKeeper is unreachable the failure is logged at WARN (the lock nodes of an expired session
     * are removed by ZooKeeper anyway). May be called from any thread; idempotent. Fence counters
     * are left in place (they must stay monotone).
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<Held> toRelease;
        boolean wasLost;
        synchronized (this) {
            toRelease = new ArrayList<>(held);
            wasLost = lost;
        }
        if (wasLost && !toRelease.isEmpty()) {
            LOG.warn("closing lease on graph '{}' branch '{}' tables {} after it was lost ({}); its lock nodes may "
                    + "already be gone", graphId, branch, tableKeys(), stateSeen());
        }
        try {
            if (toRelease.size() > 1 && manager.batching() && !wasLost && manager.isConnected() && client.getState() == CuratorFrameworkState.STARTED) {
                releaseAll(toRelease);
            } else {
                for (int i = toRelease.size() - 1; i >= 0; i--) {
                    release(toRelease.get(i), wasLost);
                }
            }
        } finally {
            manager.unregister(this);
        }
    }

    /** Connected: every lock node in one {@code multi} (one at a time if that fails), then the local locks. */
    private void releaseAll(List<Held> toRelease) {
        List<String> nodes = new ArrayList<>();
        for (int i = toRelease.size() - 1; i >= 0; i--) {
            nodes.add(toRelease.get(i).lockNode);
        }
        try {
            if (BatchAcquire.deleteAll(client, nodes)) {
                LOG.debug("released leases {} of graph '{}' branch '{}' (tokens {})", tableKeys(), graphId, branch, fencingTokens());
            }
        } finally {
            for (int i = toRelease.size() - 1; i >= 0; i--) {
                if (toRelease.get(i).local != null) {
                    toRelease.get(i).local.close(); // after the nodes, as in release()
                }
            }
        }
    }

    /**
     * Makes every token of this set greater than {@code recorded} (what the manifest records per
     * table): a table whose token is at or below it gets a fresh token, {@code max(counter,
     * recorded) + 1}, issued like any other (one transaction checking our lock node). Needed only
     * when ZooKeeper lost its data or was restored from an older snapshot, so that the fence
     * counters restarted below tokens already published (docs/leases.md, "Tokens across a
     * ZooKeeper data loss"); otherwise a comparison per table and no round trip.
     *
     * @param recorded table key → the highest token the manifest records for it; tables this set
     *                 does not hold are ignored
     * @return the tables whose token was raised
     * @throws LeaseLostException if the set is no longer valid or a lock node is gone
     * @throws LeaseException on a ZooKeeper error
     */
    public List<String> ensureTokensAbove(java.util.Map<String, Long> recorded) throws LeaseException, InterruptedException {
        return TokenFloor.raise(this, manager, recorded);
    }

    synchronized List<Held> heldSnapshot() {
        return new ArrayList<>(held);
    }

    synchronized long token(Held h) {
        return h.token;
    }

    private void release(Held h, boolean wasLost) {
        try {
            releaseNode(h, wasLost);
        } finally {
            if (h.local != null) {
                h.local.close(); // after the node: a daemon woken by it finds the node gone or the holder alive
            }
        }
    }

    private void releaseNode(Held h, boolean wasLost) {
        if (client.getState() != CuratorFrameworkState.STARTED) {
            LOG.warn("not releasing lease {} of graph '{}' branch '{}': ZooKeeper client already closed "
                    + "(its session and lock node {} are gone)", h.tableKey, graphId, branch, h.lockNode);
            return;
        }
        if (wasLost && !manager.isConnected()) {
            LOG.warn("not releasing lease {} of graph '{}' branch '{}': session lost ({}) and not connected; "
                    + "lock node {} goes away with the expired session", h.tableKey, graphId, branch, stateSeen(), h.lockNode);
            return;
        }
        if (!manager.isConnected()) {
            // SUSPENDED: a blocking delete would sit out Curator's retries (about 20 s per lease, measured in
            // it/WriterPartitionIT) before the holder could even report why it stopped. A guaranteed background
            // delete is retried by Curator on reconnect; if the session expires instead, the node goes with it.
            try {
                client.delete().guaranteed().inBackground().forPath(h.lockNode);
                LOG.warn("releasing lease {} of graph '{}' branch '{}' in the background: not connected to ZooKeeper ({}); "
                        + "lock node {} is deleted on reconnect or goes with the session", h.tableKey, graphId, branch, stateSeen(), h.lockNode);
            } catch (Exception e) {
                LOG.warn("could not queue the release of lease {} of graph '{}' branch '{}' (lock node {}): {}", h.tableKey,
                        graphId, branch, h.lockNode, e.toString());
            }
            return;
        }
        try {
            if (h.mutex != null && Thread.currentThread() == h.owner && h.mutex.isOwnedByCurrentThread()) {
                h.mutex.release();
            } else {
                // InterProcessMutex.release() is bound to the acquiring thread; delete our node directly.
                client.delete().guaranteed().forPath(h.lockNode);
            }
            LOG.debug("released lease {} of graph '{}' branch '{}' (token {})", h.tableKey, graphId, branch, h.token);
        } catch (KeeperException.NoNodeException e) {
            LOG.warn("lease {} of graph '{}' branch '{}': lock node {} already gone at release", h.tableKey,
                    graphId, branch, h.lockNode);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("interrupted releasing lease {} of graph '{}' branch '{}' (lock node {}); Curator keeps "
                    + "retrying the delete in the background", h.tableKey, graphId, branch, h.lockNode);
        } catch (Exception e) {
            LOG.warn("could not release lease {} of graph '{}' branch '{}' (lock node {}): {}", h.tableKey,
                    graphId, branch, h.lockNode, e.toString());
        }
    }

    // ---- package-private hooks used by LeaseManager ----

    synchronized void add(Held h) {
        held.add(h);
    }

    synchronized void setToken(Held h, long token) {
        h.token = token;
    }

    synchronized List<String> lockNodes() {
        List<String> nodes = new ArrayList<>(held.size());
        for (Held h : held) {
            nodes.add(h.lockNode);
        }
        return nodes;
    }

    synchronized int heldCount() {
        return held.size();
    }

    synchronized String stateSeen() {
        return stateSeen;
    }

    synchronized boolean isLost() {
        return lost;
    }

    synchronized boolean isSuspended() {
        return suspended;
    }

    synchronized long epoch() {
        return epoch;
    }

    synchronized void acquisitionDone() {
        acquiring = false;
    }

    /** Connection SUSPENDED / READ_ONLY: stop trusting the leases until verified. */
    synchronized void onSuspended(String state) {
        epoch++;
        if (!lost) {
            suspended = true;
            stateSeen = "connection " + state;
        }
    }

    /** Connection LOST: the session is (deemed) expired; terminal. */
    synchronized void onLost(String why) {
        epoch++;
        markLostLocked(why);
    }

    /** Connection RECONNECTED: returns the epoch a verification must match to revalidate. */
    synchronized long onReconnected() {
        epoch++;
        if (!lost && suspended) {
            stateSeen = "connection RECONNECTED, lock nodes not yet re-verified";
        }
        return epoch;
    }

    /** Lock nodes re-read after RECONNECTED: all present and ours. */
    synchronized boolean markVerified(long verifiedEpoch) {
        if (lost || verifiedEpoch != epoch) {
            return false;
        }
        if (suspended) {
            suspended = false;
            stateSeen = "CONNECTED";
            LOG.info("lease on graph '{}' branch '{}' tables {} valid again after RECONNECTED", graphId, branch,
                    tableKeys());
        }
        return true;
    }

    synchronized void markLost(String why) {
        markLostLocked(why);
    }

    private void markLostLocked(String why) {
        if (!lost) {
            lost = true;
            stateSeen = why;
            if (!closed.get() && (!held.isEmpty() || acquiring)) {
                LOG.warn("lease on graph '{}' branch '{}' tables {} lost: {}", graphId, branch, tableKeys(), why);
            }
        }
    }

    @Override
    public synchronized String toString() {
        return "LeaseSet[graph=" + graphId + ", branch=" + branch + ", tokens=" + fencingTokens()
                + ", valid=" + isValid() + "]";
    }
}
