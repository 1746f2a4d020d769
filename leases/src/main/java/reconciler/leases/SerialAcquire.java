package reconciler.leases;

import java.time.Duration;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one-table-at-a-time path of {@link LeaseManager#acquire}: one Curator mutex per table in
 * sorted table-key order (concurrent callers cannot deadlock), each followed by its fencing token
 * ({@link FenceCounter#bump}); waits for holders. Taken when another session holds or waits on
 * one of the tables ({@link BatchAcquire} backed out), or when batching is off.
 */
final class SerialAcquire {
    private static final Logger LOG = LoggerFactory.getLogger(SerialAcquire.class);

    private final CuratorFramework client;
    private final ZkSession session;
    private final HolderLiveness liveness; // null: none
    private final FenceCounter fences;

    SerialAcquire(CuratorFramework client, ZkSession session, HolderLiveness liveness, FenceCounter fences) {
        this.client = client;
        this.session = session;
        this.liveness = liveness;
        this.fences = fences;
    }

    /**
     * Adds every table's lease to {@code set}, in order; on failure the leases already added stay
     * in the set for the caller to release.
     *
     * @throws LeaseTimeoutException if a table's mutex was not obtained by {@code deadline}
     */
    void acquire(LeaseSet set, TreeSet<String> sorted, long deadline, Duration timeout) throws LeaseException, InterruptedException {
        String graphId = set.graphId();
        String branch = set.branch();
        for (String table : sorted) {
            String base = LeasePaths.leaseBasePath(graphId, table, branch);
            LocalLivenessLock local = liveness == null ? null : liveness.hold();
            OwnMutex mutex = new OwnMutex(client, base + "/lock",
                    liveness == null ? null : liveness.nodeData(session.sessionId(), local));
            String lockNode;
            LeaseSet.Held h;
            try {
                long remaining = Math.max(0, deadline - System.nanoTime());
                boolean got;
                try {
                    got = mutex.acquire(remaining, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    throw e;
                } catch (Exception e) {
                    throw new LeaseException("error acquiring lease on table '" + table + "' of graph '" + graphId
                            + "' branch '" + branch + "' at " + session.connectString() + ": " + e, e);
                }
                if (!got) {
                    int taken = set.heldCount();
                    throw new LeaseTimeoutException("timed out after " + timeout + " acquiring lease on table '"
                            + table + "' of graph '" + graphId + "' branch '" + branch + "' (held by another session)"
                            + (taken > 0 ? "; releasing the " + taken + " lease(s) already taken" : ""), table);
                }
                lockNode = mutex.ownLockNode(base + "/lock", table);
                h = new LeaseSet.Held(table, mutex, lockNode, Thread.currentThread(), local);
                set.add(h);
            } catch (Exception | Error e) {
                if (local != null) {
                    local.close();
                }
                throw e;
            }
            long token = fences.bump(base + "/fence", lockNode, graphId, table, branch);
            set.setToken(h, token);
            LOG.debug("acquired lease {} of graph '{}' branch '{}' token {} (lock node {})", table, graphId,
                    branch, token, lockNode);
        }
    }
}
