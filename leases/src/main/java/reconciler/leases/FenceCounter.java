package reconciler.leases;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fencing counter of a lease: a persistent znode holding the last token issued, in decimal.
 * A token is issued only to a holder whose lock node still exists (one ZooKeeper transaction
 * checks it and bumps the counter with a version check), so tokens are strictly monotone per
 * (graph, table, branch) across holders, sessions and server restarts.
 */
final class FenceCounter {
    private static final Logger LOG = LoggerFactory.getLogger(FenceCounter.class);
    private static final int MAX_FENCE_ATTEMPTS = 50;

    private final CuratorFramework client;

    FenceCounter(CuratorFramework client) {
        this.client = client;
    }

    /**
     * Issues the next fencing token: read counter (create at 0 if absent), then one transaction
     * {check(our lock node), setData(counter+1, expected version)}; retry on BadVersion.
     *
     * @param fencePath the lease's counter ({@link LeasePaths#fencePath})
     * @param lockNode  the caller's own lock node; the token is issued only while it exists
     * @return the token, &ge; 1
     * @throws LeaseLostException if the lock node is gone
     * @throws LeaseException on a ZooKeeper error, a malformed counter, or 50 lost races in a row
     */
    long bump(String fencePath, String lockNode, String graphId, String table, String branch)
            throws LeaseException, InterruptedException {
        return bump(fencePath, lockNode, graphId, table, branch, 0);
    }

    /**
     * Like {@link #bump(String, String, String, String, String)}, never issuing a token at or below
     * {@code floor}: the token is {@code max(counter, floor) + 1} (a counter behind what a manifest
     * records, after ZooKeeper lost data, jumps past it).
     */
    long bump(String fencePath, String lockNode, String graphId, String table, String branch, long floor)
            throws LeaseException, InterruptedException {
        String what = "table '" + table + "' of graph '" + graphId + "' branch '" + branch + "'";
        for (int attempt = 0; attempt < MAX_FENCE_ATTEMPTS; attempt++) {
            Stat stat = new Stat();
            byte[] data;
            try {
                data = client.getData().storingStatIn(stat).forPath(fencePath);
            } catch (KeeperException.NoNodeException e) {
                try {
                    client.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT)
                            .forPath(fencePath, "0".getBytes(StandardCharsets.US_ASCII));
                } catch (KeeperException.NodeExistsException ignored) {
                    // created concurrently: fine
                } catch (InterruptedException ie) {
                    throw ie;
                } catch (Exception ce) {
                    throw new LeaseException("cannot create fence " + fencePath + " for " + what + ": " + ce, ce);
                }
                continue;
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                throw new LeaseException("cannot read fence " + fencePath + " for " + what + ": " + e, e);
            }
            long next = Math.max(parse(data, fencePath), floor) + 1;
            try {
                client.transaction().forOperations(
                        client.transactionOp().check().forPath(lockNode),
                        client.transactionOp().setData().withVersion(stat.getVersion())
                                .forPath(fencePath, Long.toString(next).getBytes(StandardCharsets.US_ASCII)));
                return next;
            } catch (KeeperException e) {
                int failed = failedOp(e);
                if (failed == 0 || (failed < 0 && e.code() == KeeperException.Code.NONODE && !exists(lockNode))) {
                    throw new LeaseLostException("lost the lock of " + what + " before its fencing token was issued: "
                            + "lock node " + lockNode + " is gone (" + e.code() + ")", e);
                }
                if (e.code() == KeeperException.Code.BADVERSION || e.code() == KeeperException.Code.NONODE) {
                    LOG.debug("fence {} changed concurrently ({}), retrying", fencePath, e.code());
                    continue;
                }
                throw new LeaseException("cannot bump fence " + fencePath + " for " + what + ": " + e, e);
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                throw new LeaseException("cannot bump fence " + fencePath + " for " + what + ": " + e, e);
            }
        }
        throw new LeaseException("fence " + fencePath + " for " + what + " kept changing; gave up after "
                + MAX_FENCE_ATTEMPTS + " attempts");
    }

    /** Index of the operation that failed in a multi, or -1 if unknown. */
    static int failedOp(KeeperException e) {
        List<OpResult> results = e.getResults();
        if (results == null) {
            return -1;
        }
        for (int i = 0; i < results.size(); i++) {
            if (results.get(i) instanceof OpResult.ErrorResult) {
                int err = ((OpResult.ErrorResult) results.get(i)).getErr();
                if (err != KeeperException.Code.OK.intValue()
                        && err != KeeperException.Code.RUNTIMEINCONSISTENCY.intValue()) {
                    return i;
                }
            }
        }
        return -1;
    }

    private boolean exists(String path) throws InterruptedException {
        try {
            return client.checkExists().forPath(path) != null;
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            return true; // unknown: let the caller retry
        }
    }

    static long parse(byte[] data, String path) throws LeaseException {
        if (data == null || data.length == 0) {
            return 0;
        }
        String s = new String(data, StandardCharsets.US_ASCII).trim();
        try {
            long v = Long.parseLong(s);
            if (v < 0) {
                throw new LeaseException("fence " + path + " holds a negative value: " + s);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new LeaseException("fence " + path + " does not hold a decimal long: '" + s + "'", e);
        }
    }

}
