package reconciler.leases;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cross-process leases over ZooKeeper, one Curator client (one ZooKeeper session) per instance.
 *
 * <p>A lease is an {@link InterProcessMutex} per (graph, table, branch) plus a fencing token
 * taken from a per-lease counter znode. ZooKeeper layout, under the Curator namespace
 * {@code /reconciler}:
 * <pre>
 * /graphs/&lt;graph&gt;/leases/&lt;table&gt;@&lt;branch&gt;/lock    the mutex (Curator lock nodes are its children)
 * /graphs/&lt;graph&gt;/leases/&lt;table&gt;@&lt;branch&gt;/fence   persistent counter, decimal long (the last token issued)
 * </pre>
 * Each path segment is URL-encoded (UTF-8), so graph ids, table keys and branches may contain any
 * character including {@code '/'} and {@code '@'}; segments {@code "."} and {@code ".."} are
 * encoded as {@code %2E}.
 *
 * <p>The fencing token is issued, after the mutex is held, by one ZooKeeper transaction that
 * checks our own lock node still exists and bumps the counter with a version check (retried on
 * BadVersion). It is therefore strictly monotone per (graph, table, branch) across holders and
 * processes, and is never issued to a holder that has already lost its lock node. (The
 * lock-node sequence number is <em>not</em> monotone: the lock parent is a container znode that
 * ZooKeeper deletes when empty.)
 *
 * <p>Connection states: on SUSPENDED, READ_ONLY or LOST every live {@link LeaseSet} becomes
 * invalid at once (holders must stop on SUSPENDED: another process may take the lock as soon as
 * the server expires our session, before Curator reports LOST). On RECONNECTED each set is
 * re-verified on a background thread.
 */
public final class LeaseManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseManager.class);

    /** Curator namespace (chroot) of every path. */
    static final String NAMESPACE = "reconciler";
    private static final int MAX_FENCE_ATTEMPTS = 50;
    private static final int VERIFY_ATTEMPTS = 3;

    private final CuratorFramework client;
    private final String connectString;
    private final Set<LeaseSet> live = ConcurrentHashMap.newKeySet();
    private final ExecutorService verifier;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile ConnectionState state = ConnectionState.CONNECTED;

    /**
     * Connects to ZooKeeper and blocks until the session is established.
     *
     * @param connectString  ZooKeeper connect string, e.g. {@code 127.0.0.1:2181}
     * @param sessionTimeout requested session timeout (millisecond precision, &gt; 0). The server
     *                       clamps it to [{@code 2*tickTime}, {@code 20*tickTime}] by default
     *                       (the embedded server: [{@code 2*tickTime}, 60 s]); a difference is
     *                       logged at WARN.
     * @param connectTimeout how long to wait for the first connection (&gt; 0); also used, capped
     *                       at the session timeout, as Curator's per-operation connection timeout
     * @throws LeaseException if no session could be established within {@code connectTimeout}
     *                        ("cannot reach ZooKeeper at X within Y"), or if interrupted while
     *                        waiting (the interrupt flag is restored)
     * @throws IllegalArgumentException if a duration is not positive or the connect string is empty
     */
    public LeaseManager(String connectString, Duration sessionTimeout, Duration connectTimeout) throws LeaseException {
        this(connectString, sessionTimeout, connectTimeout, null);
    }

    /**
     * Like {@link #LeaseManager(String, Duration, Duration)}, authenticated.
     *
     * @param digestAuth {@code user:password} for ZooKeeper digest authentication, or null. When set,
     *                   every znode this manager creates gets the ACL {@code CREATOR_ALL_ACL}: only
     *                   sessions authenticated as the same user can read or change lease nodes.
     *                   The password is never logged.
     * @throws LeaseException as the three-argument constructor
     */
    public LeaseManager(String connectString, Duration sessionTimeout, Duration connectTimeout, String digestAuth)
            throws LeaseException {
        Objects.requireNonNull(connectString, "connectString");
        Objects.requireNonNull(sessionTimeout, "sessionTimeout");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (connectString.isBlank()) {
            throw new IllegalArgumentException("connectString is empty");
        }
        if (sessionTimeout.isNegative() || sessionTimeout.isZero()) {
            throw new IllegalArgumentException("sessionTimeout must be positive: " + sessionTimeout);
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive: " + connectTimeout);
        }
        this.connectString = connectString;
        int sessionMs = (int) Math.min(Integer.MAX_VALUE, Math.max(1, sessionTimeout.toMillis()));
        int connectMs = (int) Math.min(Integer.MAX_VALUE, Math.max(1, connectTimeout.toMillis()));
        CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder();
        if (digestAuth != null && !digestAuth.isEmpty()) {
            if (!digestAuth.contains(":")) {
                throw new IllegalArgumentException("digest auth must look like user:password");
            }
            builder.authorization("digest", digestAuth.getBytes(StandardCharsets.UTF_8))
                    .aclProvider(new org.apache.curator.framework.api.ACLProvider() {
                        @Override
                        public List<org.apache.zookeeper.data.ACL> getDefaultAcl() {
                            return org.apache.zookeeper.ZooDefs.Ids.CREATOR_ALL_ACL;
                        }

                        @Override
                        public List<org.apache.zookeeper.data.ACL> getAclForPath(String path) {
                            return org.apache.zookeeper.ZooDefs.Ids.CREATOR_ALL_ACL;
                        }
                    });
        }
        this.client = builder
                .connectString(connectString)
                .sessionTimeoutMs(sessionMs)
                // Curator warns when session < connection timeout; the cap keeps the log quiet.
                .connectionTimeoutMs(Math.min(connectMs, sessionMs))
                .retryPolicy(new ExponentialBackoffRetry(100, 3))
                .namespace(NAMESPACE)
                .build();
        this.verifier = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "lease-verifier");
            t.setDaemon(true);
            return t;
        });
        ConnectionStateListener listener = (c, newState) -> onStateChanged(newState);
        client.getConnectionStateListenable().addListener(listener);
        ensureChroot(connectString, connectMs, digestAuth);
        client.start();
        boolean connected;
        try {
            connected = client.blockUntilConnected(connectMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shutdown();
            throw new LeaseException("interrupted while connecting to ZooKeeper at " + connectString, e);
        }
        if (!connected) {
            shutdown();
            throw new LeaseException("cannot reach ZooKeeper at " + connectString + " within " + connectTimeout);
        }
        try {
            int negotiated = client.getZookeeperClient().getZooKeeper().getSessionTimeout();
            if (negotiated != sessionMs) {
                LOG.warn("ZooKeeper at {} negotiated a session timeout of {} ms instead of the requested {} ms "
                        + "(server clamps to its min/max session timeout, derived from tickTime)",
                        connectString, negotiated, sessionMs);
            } else {
                LOG.info("connected to ZooKeeper at {} (session timeout {} ms)", connectString, negotiated);
            }
        } catch (Exception e) {
            LOG.debug("could not read negotiated session timeout", e);
        }
    }

    /**
     * ZooKeeper requires a connect string's chroot ({@code host:port/chroot}) to exist; create it
     * (and its parents) once, through a short-lived client without the chroot.
     */
    private static void ensureChroot(String connectString, int connectMs, String digestAuth) throws LeaseException {
        int slash = connectString.indexOf('/');
        if (slash < 0 || slash == connectString.length() - 1) {
            return;
        }
        String hosts = connectString.substring(0, slash);
        String chroot = connectString.substring(slash);
        CuratorFrameworkFactory.Builder b = CuratorFrameworkFactory.builder().connectString(hosts)
                .retryPolicy(new ExponentialBackoffRetry(100, 3)).connectionTimeoutMs(connectMs);
        if (digestAuth != null && !digestAuth.isEmpty()) {
            b.authorization("digest", digestAuth.getBytes(StandardCharsets.UTF_8));
        }
        try (CuratorFramework c = b.build()) {
            c.start();
            if (!c.blockUntilConnected(connectMs, TimeUnit.MILLISECONDS)) {
                throw new LeaseException("cannot reach ZooKeeper at " + hosts + " to create chroot " + chroot);
            }
            if (c.checkExists().forPath(chroot) == null) {
                try {
                    c.create().creatingParentsIfNeeded().forPath(chroot);
                    LOG.info("created ZooKeeper chroot {} at {}", chroot, hosts);
                } catch (KeeperException.NodeExistsException e) {
                    // created concurrently
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LeaseException("interrupted creating chroot " + chroot, e);
        } catch (LeaseException e) {
            throw e;
        } catch (Exception e) {
            throw new LeaseException("cannot create ZooKeeper chroot " + chroot + " at " + hosts + ": " + e, e);
        }
    }

    private void shutdown() {
        verifier.shutdownNow();
        client.close();
    }

    /**
     * Returns the underlying Curator client (namespace {@code reconciler}) for other components.
     * Do not close it; close this manager instead.
     *
     * @return the started Curator client
     */
    public CuratorFramework client() {
        return client;
    }

    /**
     * Returns the connect string this manager was created with.
     *
     * @return the ZooKeeper connect string
     */
    public String connectString() {
        return connectString;
    }

    /**
     * Takes the leases of several tables of one graph and branch.
     *
     * <p>Mutexes are taken one per table, in sorted table-key order (so concurrent callers cannot
     * deadlock), each with what remains of {@code timeout}. After each mutex a fencing token is
     * issued. If anything fails, the mutexes already taken are released in reverse order before
     * the exception is thrown.
     *
     * @param graphId   graph id (any non-empty string)
     * @param branch    branch name (any non-empty string)
     * @param tableKeys table keys such as {@code node:Package}, {@code edge:DependsOn}; non-empty,
     *                  duplicates ignored
     * @param timeout   total time to wait for all mutexes (zero means try once each without
     *                  waiting); millisecond precision
     * @return the held leases with their fencing tokens; close it to release them
     * @throws LeaseTimeoutException if a table's mutex was not obtained in time (names the table)
     * @throws LeaseLostException    if the connection was LOST, or our lock node vanished, while
     *                               acquiring
     * @throws LeaseException        if the connection is SUSPENDED or LOST when called, the
     *                               manager is closed, or a ZooKeeper error occurs
     * @throws InterruptedException  if interrupted while waiting (leases taken so far are released)
     * @throws IllegalArgumentException if an argument is empty or the timeout is negative
     */
    public LeaseSet acquire(String graphId, String branch, Collection<String> tableKeys, Duration timeout)
            throws LeaseTimeoutException, LeaseException, InterruptedException {
        requireSegment(graphId, "graphId");
        requireSegment(branch, "branch");
        Objects.requireNonNull(tableKeys, "tableKeys");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeout);
        }
        TreeSet<String> sorted = new TreeSet<>();
        for (String t : tableKeys) {
            requireSegment(t, "table key");
            sorted.add(t);
        }
        if (sorted.isEmpty()) {
            throw new IllegalArgumentException("no table keys given");
        }
        if (closed.get()) {
            throw new LeaseException("lease manager for " + connectString + " is closed");
        }
        ConnectionState now = state;
        if (!isConnectedState(now)) {
            throw new LeaseException("refusing to acquire leases on graph '" + graphId + "' branch '" + branch
                    + "' tables " + sorted + ": connection to ZooKeeper at " + connectString + " is " + now);
        }

        long started = System.nanoTime();
        long deadline = started + saturatedNanos(timeout);
        LeaseSet set = new LeaseSet(this, client, graphId, branch);
        live.add(set); // from now on it sees connection-state events
        boolean ok = false;
        try {
            for (String table : sorted) {
                String base = leaseBasePath(graphId, table, branch);
                OwnMutex mutex = new OwnMutex(client, base + "/lock");
                long remaining = Math.max(0, deadline - System.nanoTime());
                boolean got;
                try {
                    got = mutex.acquire(remaining, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    throw e;
                } catch (Exception e) {
                    throw new LeaseException("error acquiring lease on table '" + table + "' of graph '" + graphId
                            + "' branch '" + branch + "' at " + connectString + ": " + e, e);
                }
                if (!got) {
                    notifyObserver(false, graphId, sorted.size(), System.nanoTime() - started);
                    int taken = set.heldCount();
                    throw new LeaseTimeoutException("timed out after " + timeout + " acquiring lease on table '"
                            + table + "' of graph '" + graphId + "' branch '" + branch + "' (held by another session)"
                            + (taken > 0 ? "; releasing the " + taken + " lease(s) already taken" : ""), table);
                }
                String lockNode = ownLockNode(mutex, base + "/lock", table);
                LeaseSet.Held h = new LeaseSet.Held(table, mutex, lockNode, Thread.currentThread());
                set.add(h);
                long token = bumpFence(base + "/fence", lockNode, graphId, table, branch);
                set.setToken(h, token);
                LOG.debug("acquired lease {} of graph '{}' branch '{}' token {} (lock node {})", table, graphId,
                        branch, token, lockNode);
            }
            finishAcquire(set);
            set.acquisitionDone();
            ok = true;
            notifyObserver(true, graphId, sorted.size(), System.nanoTime() - started);
            return set;
        } finally {
            if (!ok) {
                set.acquisitionDone();
                set.close();
            }
        }
    }

    /**
     * Observes lease acquisitions (for metrics): how long each {@link #acquire} waited.
     * Implementations must be fast and must not throw; they run on the acquiring thread.
     */
    public interface AcquireObserver {
        /**
         * One acquisition finished.
         *
         * @param acquired  true if every lease was taken, false if the wait timed out
         * @param graphId   graph id
         * @param tables    number of tables asked for
         * @param waitNanos time from the call to success or timeout, in nanoseconds (fencing
         *                  token bumps included)
         */
        void observe(boolean acquired, String graphId, int tables, long waitNanos);
    }

    private volatile AcquireObserver observer;

    /** Sets (or with null clears) the observer told of every acquisition's wait. */
    public void setAcquireObserver(AcquireObserver observer) {
        this.observer = observer;
    }

    private void notifyObserver(boolean acquired, String graphId, int tables, long waitNanos) {
        AcquireObserver o = observer;
        if (o != null) {
            try {
                o.observe(acquired, graphId, tables, waitNanos);
            } catch (RuntimeException e) {
                LOG.warn("lease acquire observer failed: {}", e.toString());
            }
        }
    }

    /**
     * Reads the fencing counter of one lease: the last token issued for (graph, table, branch).
     *
     * @param graphId  graph id
     * @param branch   branch name
     * @param tableKey table key
     * @return the counter, or 0 if no token was ever issued
     * @throws LeaseException if ZooKeeper cannot be read, the counter is malformed, or interrupted
     *                        (the interrupt flag is restored)
     */
    public long currentFence(String graphId, String branch, String tableKey) throws LeaseException {
        requireSegment(graphId, "graphId");
        requireSegment(branch, "branch");
        requireSegment(tableKey, "table key");
        String path = leaseBasePath(graphId, tableKey, branch) + "/fence";
        try {
            return parseFence(client.getData().forPath(path), path);
        } catch (KeeperException.NoNodeException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LeaseException("interrupted reading fence " + path, e);
        } catch (LeaseException e) {
            throw e;
        } catch (Exception e) {
            throw new LeaseException("cannot read fence " + path + " at " + connectString + ": " + e, e);
        }
    }

    /**
     * Publishes a cheap change signal for a graph: sets the data of {@code /graphs/<graph>/changes}
     * (created on first use). Writers call it after writing a sidecar and after a publish; daemons
     * watching the graph ({@link GraphEvents}) start a pass. Best effort: the daemon's safety poll
     * covers a lost signal, so failures are logged at DEBUG and reported, not thrown.
     *
     * @param graphId the graph
     * @return whether the signal was written
     */
    public boolean signalChange(String graphId) {
        requireSegment(graphId, "graphId");
        String path = changesPath(graphId);
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

    /** Path of a graph's change signal znode. */
    static String changesPath(String graphId) {
        return "/graphs/" + encodeSegment(graphId) + "/changes";
    }

    /** Path of a graph's znode directory. */
    static String graphPath(String graphId) {
        return "/graphs/" + encodeSegment(graphId);
    }

    /** Decodes a segment made by {@link #encodeSegment}. */
    static String decodeSegment(String s) {
        return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /**
     * Closes the Curator client, which ends the ZooKeeper session: every lock node of this manager
     * disappears and every live {@link LeaseSet} becomes invalid. Idempotent; never throws.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (LeaseSet s : new ArrayList<>(live)) {
            s.markLost("lease manager closed (session ended)");
        }
        shutdown();
        live.clear();
    }

    // ---------------------------------------------------------------------------------------------

    /** Path (inside the namespace) of the lease directory of (graph, table, branch). */
    static String leaseBasePath(String graphId, String tableKey, String branch) {
        return "/graphs/" + encodeSegment(graphId) + "/leases/" + encodeSegment(tableKey) + "@" + encodeSegment(branch);
    }

    /** URL-encodes one path component so that it is a single valid ZooKeeper path segment. */
    static String encodeSegment(String s) {
        String e = URLEncoder.encode(s, StandardCharsets.UTF_8);
        if (e.equals(".") || e.equals("..")) {
            e = e.replace(".", "%2E");
        }
        return e;
    }

    private static void requireSegment(String s, String what) {
        Objects.requireNonNull(s, what);
        if (s.isEmpty()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4;
        }
    }

    private static boolean isConnectedState(ConnectionState s) {
        return s == ConnectionState.CONNECTED || s == ConnectionState.RECONNECTED;
    }

    /** Whether the ZooKeeper connection is usable now (CONNECTED or RECONNECTED) and the manager is open. */
    public boolean isConnected() {
        return !closed.get() && isConnectedState(state);
    }

    void unregister(LeaseSet set) {
        live.remove(set);
    }

    /** InterProcessMutex that exposes the path of the lock node it created (Curator keeps it per thread). */
    static final class OwnMutex extends InterProcessMutex {
        OwnMutex(CuratorFramework client, String path) {
            super(client, path);
        }

        /** Our lock node's full path (inside the namespace), or null if the calling thread does not hold it. */
        String ownLockNode() {
            return getLockPath();
        }
    }

    /**
     * Finds our own lock node: Curator records it per acquiring thread (getLockPath()). Fallback:
     * the holder is the lowest participant, which must be an ephemeral of our session.
     */
    private String ownLockNode(OwnMutex mutex, String lockDir, String table) throws LeaseException, InterruptedException {
        String node = mutex.ownLockNode();
        if (node != null) {
            return node;
        }
        try {
            Collection<String> participants = mutex.getParticipantNodes();
            if (!participants.isEmpty()) {
                String lowest = participants.iterator().next();
                Stat st = client.checkExists().forPath(lowest);
                long sid = client.getZookeeperClient().getZooKeeper().getSessionId();
                if (st != null && st.getEphemeralOwner() == sid) {
                    return lowest;
                }
            }
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new LeaseException("cannot determine our lock node under " + lockDir + ": " + e, e);
        }
        throw new LeaseLostException("acquired lease on table '" + table + "' but found no lock node of ours under "
                + lockDir);
    }

    /**
     * Issues the next fencing token: read counter (create at 0 if absent), then one transaction
     * {check(our lock node), setData(counter+1, expected version)}; retry on BadVersion.
     */
    long bumpFence(String fencePath, String lockNode, String graphId, String table, String branch)
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
            long next = parseFence(data, fencePath) + 1;
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
    private static int failedOp(KeeperException e) {
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

    private static long parseFence(byte[] data, String path) throws LeaseException {
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

    /** End of acquire: the set must not have seen SUSPENDED/LOST, or must re-verify now. */
    private void finishAcquire(LeaseSet set) throws LeaseException, InterruptedException {
        if (set.isLost()) {
            set.checkValid(); // throws LeaseLostException with the state seen
        }
        if (set.isSuspended()) {
            if (!isConnected()) {
                throw new LeaseException("connection to ZooKeeper at " + connectString + " went " + state
                        + " while acquiring leases on graph '" + set.graphId() + "' branch '" + set.branch() + "'");
            }
            verify(set, set.epoch());
            set.checkValid();
        }
    }

    private void onStateChanged(ConnectionState newState) {
        state = newState;
        LOG.info("ZooKeeper connection to {} is {} ({} live lease set(s))", connectString, newState, live.size());
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
    private void verify(LeaseSet set, long epoch) {
        for (int attempt = 1; attempt <= VERIFY_ATTEMPTS && !closed.get(); attempt++) {
            if (set.isLost() || set.epoch() != epoch || !isConnected()) {
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

    @Override
    public String toString() {
        return "LeaseManager[" + connectString + ", " + state + (closed.get() ? ", closed" : "") + "]";
    }
}
