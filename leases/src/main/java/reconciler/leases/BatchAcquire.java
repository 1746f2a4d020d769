package reconciler.leases;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.curator.RetryLoop;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.curator.framework.recipes.locks.StandardLockInternalsDriver;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The uncontended path of {@link LeaseManager#acquire}: every table's lease of one operation in
 * three ZooKeeper round trips, however many tables (docs/leases.md, "Round trips").
 *
 * <ol>
 *   <li>one {@code multi} creates a lock node in every table's lock directory (ephemeral
 *       sequential, named as Curator's {@code InterProcessMutex} names them, {@code _c_<uuid>-lock-},
 *       so Curator mutexes and the one-table-at-a-time path queue behind them as usual);</li>
 *   <li>one read-only {@code multi} lists every lock directory, then reads every fence counter;</li>
 *   <li>if our node is the lowest in every directory (nobody held or waited), one {@code multi}
 *       checks that every lock node of ours still exists and bumps every fence counter with its
 *       znode version ({@code counter + 1}); that value is the table's token.</li>
 * </ol>
 *
 * <p>Fencing is the one-table path's, per table: a token is issued only by a transaction that
 * checks the holder's lock node, only to the holder (the lowest node), and the counter is bumped
 * with a version check, so tokens stay strictly monotone per lease and gap-free, and a waiter
 * never bumps a counter. If any directory holds another node, nothing is bumped: our nodes are
 * deleted in one {@code multi} and the caller takes the one-table-at-a-time path (sorted order,
 * waiting), since waiting in every queue at once could deadlock against a holder that takes its
 * tables one at a time.
 */
final class BatchAcquire {
    private static final Logger LOG = LoggerFactory.getLogger(BatchAcquire.class);
    private static final String LOCK_NAME = "lock-";
    private static final int MAX_ATTEMPTS = 50;

    /** One table of the batch: where its lease lives, the data its lock node carries, what it got. */
    static final class Entry {
        final String table;
        final String lockDir;
        final String fencePath;
        final byte[] nodeData; // null: Curator's default
        final LocalLivenessLock local; // null: none
        String lockNode;
        long token;

        Entry(String table, String basePath, byte[] nodeData, LocalLivenessLock local) {
            this.table = table;
            this.lockDir = basePath + "/lock";
            this.fencePath = basePath + "/fence";
            this.nodeData = nodeData;
            this.local = local;
        }
    }

    private final CuratorFramework client;

    BatchAcquire(CuratorFramework client) {
        this.client = client;
    }

    /**
     * Adds every table's lease to {@code set} at once if no other session holds or waits on any
     * of them.
     *
     * @param liveness the holder identity to record, or null
     * @return false if someone else was there: nothing held, nothing bumped, our nodes deleted
     */
    static boolean acquire(CuratorFramework client, ZkSession session, HolderLiveness liveness, LeaseSet set,
                           java.util.SortedSet<String> tables) throws LeaseException, InterruptedException {
        List<Entry> entries = new ArrayList<>();
        boolean ok = false;
        try {
            for (String table : tables) {
                LocalLivenessLock local = liveness == null ? null : liveness.hold();
                entries.add(new Entry(table, LeasePaths.leaseBasePath(set.graphId(), table, set.branch()),
                        liveness == null ? null : liveness.nodeData(session.sessionId(), local), local));
            }
            String what = "graph '" + set.graphId() + "' branch '" + set.branch() + "'";
            if (!new BatchAcquire(client).tryAcquire(entries, what)) {
                return false;
            }
            for (Entry e : entries) {
                LeaseSet.Held h = new LeaseSet.Held(e.table, null, e.lockNode, Thread.currentThread(), e.local);
                set.add(h);
                set.setToken(h, e.token);
                LOG.debug("acquired lease {} of {} token {} (lock node {}, batch of {})", e.table, what, e.token, e.lockNode,
                        entries.size());
            }
            ok = true;
            return true;
        } finally {
            if (!ok) {
                for (Entry e : entries) {
                    if (e.local != null) {
                        e.local.close();
                    }
                }
            }
        }
    }

    /**
     * Tries the three-round-trip path. On success every entry has its lock node and token; on
     * {@code false} (someone else held or waited somewhere) none of our lock nodes is left and no
     * counter moved.
     *
     * @throws LeaseLostException if a lock node of ours vanished before its token was issued
     * @throws LeaseException on a ZooKeeper error (our lock nodes are deleted, best effort)
     */
    boolean tryAcquire(List<Entry> entries, String what) throws LeaseException, InterruptedException {
        String protect = "_c_" + UUID.randomUUID() + "-";
        boolean ok = false;
        boolean backedOut = false;
        List<String> extras = new ArrayList<>(); // nodes of ours beside the recorded ones (a create retried by Curator)
        try {
            create(entries, protect, what);
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                List<OpResult> read = readAll(entries);
                Long[] versions = new Long[entries.size()];
                long[] values = new long[entries.size()];
                for (int i = 0; i < entries.size(); i++) {
                    Entry e = entries.get(i);
                    OpResult children = read.get(i);
                    if (!(children instanceof OpResult.GetChildrenResult c) || !c.getChildren().contains(ZKPaths.getNodeFromPath(e.lockNode))) {
                        throw new LeaseLostException("lost the lock node " + e.lockNode + " of table '" + e.table + "' of " + what
                                + " before its fencing token was issued");
                    }
                    for (String child : c.getChildren()) {
                        if (child.startsWith(protect) && !e.lockNode.endsWith("/" + child)) {
                            extras.add(ZKPaths.makePath(e.lockDir, child));
                        }
                    }
                    if (!extras.isEmpty() || !lowest(c.getChildren(), ZKPaths.getNodeFromPath(e.lockNode))) {
                        LOG.debug("lease {} of {} is held or awaited by another session: one table at a time instead", e.table, what);
                        backedOut = true;
                        return false;
                    }
                    OpResult fence = read.get(entries.size() + i);
                    if (fence instanceof OpResult.GetDataResult d) {
                        versions[i] = (long) d.getStat().getVersion();
                        values[i] = FenceCounter.parse(d.getData(), e.fencePath);
                    } else {
                        versions[i] = null; // no counter yet
                    }
                }
                if (bump(entries, versions, values, what)) {
                    ok = true;
                    return true;
                }
            }
            throw new LeaseException("fence counters of " + what + " kept changing; gave up after " + MAX_ATTEMPTS + " attempts");
        } finally {
            if (backedOut) {
                List<String> nodes = new ArrayList<>(extras);
                entries.forEach(e -> nodes.add(e.lockNode));
                entries.forEach(e -> e.lockNode = null);
                deleteAll(client, nodes); // one round trip: every node of ours is known
            } else if (!ok) {
                deleteOwn(entries, protect); // a failure: find them by name
            }
        }
    }

    /** Round trip 1: one lock node per table; missing lock directories (containers) are created and the multi retried. */
    private void create(List<Entry> entries, String protect, String what) throws LeaseException, InterruptedException {
        for (int attempt = 0; ; attempt++) {
            List<CuratorOp> ops = new ArrayList<>();
            try {
                for (Entry e : entries) {
                    String path = e.lockDir + "/" + protect + LOCK_NAME;
                    var create = client.transactionOp().create().withMode(CreateMode.EPHEMERAL_SEQUENTIAL);
                    ops.add(e.nodeData == null ? create.forPath(path) : create.forPath(path, e.nodeData));
                }
                List<CuratorTransactionResult> results = client.transaction().forOperations(ops);
                for (int i = 0; i < entries.size(); i++) {
                    // the node's name only: a multi's result path keeps the connect string's chroot (ZooKeeper 3.9)
                    Entry e = entries.get(i);
                    e.lockNode = ZKPaths.makePath(e.lockDir, ZKPaths.getNodeFromPath(results.get(i).getResultPath()));
                }
                return;
            } catch (KeeperException.NoNodeException e) {
                if (attempt >= 3) {
                    throw new LeaseException("cannot create lock nodes of " + what + ": " + e, e);
                }
                for (Entry x : entries) { // a lock directory is a container: ZooKeeper deletes it once empty
                    try {
                        client.createContainers(x.lockDir);
                    } catch (InterruptedException ie) {
                        throw ie;
                    } catch (Exception ce) {
                        throw new LeaseException("cannot create lock directory " + x.lockDir + " of " + what + ": " + ce, ce);
                    }
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                throw new LeaseException("cannot create lock nodes of " + what + ": " + e, e);
            }
        }
    }

    /** Round trip 2 (read-only multi): children of every lock directory first, then every fence counter. */
    private List<OpResult> readAll(List<Entry> entries) throws LeaseException, InterruptedException {
        List<Op> ops = new ArrayList<>();
        for (Entry e : entries) {
            ops.add(Op.getChildren(full(e.lockDir)));
        }
        for (Entry e : entries) {
            ops.add(Op.getData(full(e.fencePath)));
        }
        try {
            return RetryLoop.callWithRetry(client.getZookeeperClient(), () -> client.getZookeeperClient().getZooKeeper().multi(ops));
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new LeaseException("cannot read lock directories and fences: " + e, e);
        }
    }

    /**
     * Round trip 3: check every lock node, bump every counter with its version (create it when
     * absent). False when a counter changed under us (retry with fresh values).
     */
    private boolean bump(List<Entry> entries, Long[] versions, long[] values, String what) throws LeaseException, InterruptedException {
        List<CuratorOp> ops = new ArrayList<>();
        long[] next = new long[entries.size()];
        try {
            for (Entry e : entries) {
                ops.add(client.transactionOp().check().forPath(e.lockNode));
            }
            for (int i = 0; i < entries.size(); i++) {
                Entry e = entries.get(i);
                next[i] = values[i] + 1;
                byte[] data = Long.toString(next[i]).getBytes(StandardCharsets.US_ASCII);
                ops.add(versions[i] == null
                        ? client.transactionOp().create().withMode(CreateMode.PERSISTENT).forPath(e.fencePath, data)
                        : client.transactionOp().setData().withVersion(versions[i].intValue()).forPath(e.fencePath, data));
            }
            client.transaction().forOperations(ops);
        } catch (KeeperException e) {
            int failed = FenceCounter.failedOp(e);
            if (failed >= 0 && failed < entries.size()) {
                throw new LeaseLostException("lost the lock of table '" + entries.get(failed).table + "' of " + what
                        + " before its fencing token was issued: lock node " + entries.get(failed).lockNode + " is gone (" + e.code() + ")", e);
            }
            if (e.code() == KeeperException.Code.BADVERSION || e.code() == KeeperException.Code.NODEEXISTS
                    || e.code() == KeeperException.Code.NONODE) {
                LOG.debug("a fence of {} changed concurrently ({}), retrying", what, e.code());
                return false;
            }
            throw new LeaseException("cannot bump the fences of " + what + ": " + e, e);
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new LeaseException("cannot bump the fences of " + what + ": " + e, e);
        }
        for (int i = 0; i < entries.size(); i++) {
            entries.get(i).token = next[i];
        }
        return true;
    }

    /** Whether {@code ours} has the lowest sequence number among {@code children}, as Curator's mutex decides. */
    static boolean lowest(List<String> children, String ours) {
        String mine = StandardLockInternalsDriver.standardFixForSorting(ours, LOCK_NAME);
        for (String c : children) {
            if (!c.equals(ours) && StandardLockInternalsDriver.standardFixForSorting(c, LOCK_NAME).compareTo(mine) < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Deletes our lock nodes: those recorded, and any other node carrying this attempt's protection
     * prefix (a create retried after a lost connection may have made one). Never throws.
     */
    private void deleteOwn(List<Entry> entries, String protect) {
        List<String> nodes = new ArrayList<>();
        for (Entry e : entries) {
            try {
                for (String c : client.getChildren().forPath(e.lockDir)) {
                    if (c.startsWith(protect)) {
                        nodes.add(ZKPaths.makePath(e.lockDir, c));
                    }
                }
            } catch (KeeperException.NoNodeException ignored) {
                // no directory: no node
            } catch (Exception x) {
                if (e.lockNode != null) {
                    nodes.add(e.lockNode);
                }
            }
            e.lockNode = null;
        }
        deleteAll(client, nodes);
    }

    /**
     * Deletes lock nodes in one {@code multi}; if that fails (one is already gone, the connection
     * dropped), one at a time with Curator's guaranteed delete. Never throws.
     *
     * @return whether every node is known gone
     */
    static boolean deleteAll(CuratorFramework client, List<String> nodes) {
        if (nodes.isEmpty()) {
            return true;
        }
        try {
            List<CuratorOp> ops = new ArrayList<>();
            for (String n : nodes) {
                ops.add(client.transactionOp().delete().forPath(n));
            }
            client.transaction().forOperations(ops);
            return true;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.debug("deleting {} lock node(s) in one multi failed ({}); one at a time", nodes.size(), e.toString());
        }
        boolean all = true;
        for (String n : nodes) {
            try {
                client.delete().guaranteed().forPath(n);
            } catch (KeeperException.NoNodeException ignored) {
                // gone already
            } catch (Exception e) {
                all = false;
                LOG.warn("could not delete lock node {}: {}", n, e.toString());
            }
        }
        return all;
    }

    private String full(String path) {
        return ZKPaths.makePath(client.getNamespace(), path);
    }
}
