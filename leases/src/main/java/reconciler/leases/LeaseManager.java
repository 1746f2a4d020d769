package reconciler.leases;

import java.time.Duration;
import java.util.Collection;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cross-process leases over ZooKeeper, in one {@link ZkSession} (one ZooKeeper session), which
 * this manager either owns (the connect-string constructors) or is given.
 *
 * <p>A lease is a Curator {@code InterProcessMutex} per (graph, table, branch) plus a fencing token
 * taken from a per-lease counter znode ({@link FenceCounter}); paths are {@link LeasePaths}'
 * ({@code .../leases/<table>@<branch>/lock} and {@code .../fence}).
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
 * re-verified on a background thread ({@link LiveLeaseSets}). The change signal lives in
 * {@link GraphEvents#signalChange}.
 */
public final class LeaseManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseManager.class);

    /** Curator namespace (chroot) of every path. */
    static final String NAMESPACE = LeasePaths.NAMESPACE;

    private final ZkSession session;
    private final boolean ownsSession;
    private final CuratorFramework client;
    private final String connectString;
    private final LiveLeaseSets sets;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Consumer<ConnectionState> stateListener;
    private final FenceCounter fences;
    private volatile HolderLiveness liveness;
    private final BrokenHolders broken = new BrokenHolders();

    /**
     * Connects to ZooKeeper: a convenience that opens a {@link ZkSession} owned by this manager
     * (closing the manager ends the session).
     *
     * @param connectString  ZooKeeper connect string, e.g. {@code 127.0.0.1:2181}
     * @param sessionTimeout requested session timeout, see {@link ZkSession#connect}
     * @param connectTimeout how long to wait for the first connection, see {@link ZkSession#connect}
     * @throws LeaseException if no session could be established within {@code connectTimeout}
     * @throws IllegalArgumentException if a duration is not positive or the connect string is empty
     */
    public LeaseManager(String connectString, Duration sessionTimeout, Duration connectTimeout) throws LeaseException {
        this(connectString, sessionTimeout, connectTimeout, null);
    }

    /**
     * Like {@link #LeaseManager(String, Duration, Duration)}, authenticated.
     *
     * @param digestAuth {@code user:password} for ZooKeeper digest authentication, or null (see
     *                   {@link ZkSession#connect})
     * @throws LeaseException as the three-argument constructor
     */
    public LeaseManager(String connectString, Duration sessionTimeout, Duration connectTimeout, String digestAuth)
            throws LeaseException {
        this(ZkSession.connect(connectString, sessionTimeout, connectTimeout, digestAuth), true);
    }

    /**
     * Leases over a session the caller owns: closing this manager releases its live lease sets
     * but leaves the session open.
     *
     * @param session a connected session
     */
    public LeaseManager(ZkSession session) {
        this(session, false);
    }

    private LeaseManager(ZkSession session, boolean ownsSession) {
        this.session = Objects.requireNonNull(session, "session");
        this.ownsSession = ownsSession;
        this.client = session.client();
        this.connectString = session.connectString();
        this.fences = new FenceCounter(client);
        this.sets = new LiveLeaseSets(session);
        this.stateListener = sets::onStateChanged;
        session.addStateListener(stateListener);
    }

    /**
     * Makes every later acquisition record its holder ({@link HolderIdentity}) in the lock node's
     * data and hold a kernel-released local lock ({@link LocalLivenessLock}) under
     * {@code runtimeDir} while the lease is held, so that a daemon on this host can break the lease
     * the moment this process dies ({@link DeadHolderBreaker}). If this host's identity cannot be
     * read (not Linux), logs a WARN and changes nothing; if a lock file cannot be created at
     * acquisition, the node records no lock file (the lease then waits for the session timeout).
     *
     * @param runtimeDir directory shared with the daemon, e.g. {@code /run/reconciler}
     * @return whether holder identity is now recorded
     */
    public boolean enableLiveness(java.nio.file.Path runtimeDir) {
        Optional<HolderLiveness> l = HolderLiveness.create(runtimeDir);
        l.ifPresent(x -> liveness = x);
        return l.isPresent();
    }

    /** @return the holders whose leases a breaker in this process broke lately (for audit records) */
    public BrokenHolders brokenHolders() {
        return broken;
    }

    /** @return the session this manager's leases live in */
    public ZkSession session() {
        return session;
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
        ConnectionState now = session.state();
        if (!session.isConnected()) {
            throw new LeaseException("refusing to acquire leases on graph '" + graphId + "' branch '" + branch
                    + "' tables " + sorted + ": connection to ZooKeeper at " + connectString + " is " + now);
        }

        long started = System.nanoTime();
        long deadline = started + saturatedNanos(timeout);
        LeaseSet set = new LeaseSet(this, client, graphId, branch);
        sets.add(set); // from now on it sees connection-state events
        boolean ok = false;
        try {
            HolderLiveness l = liveness;
            if (!batching || !BatchAcquire.acquire(client, session, l, set, sorted)) {
                new SerialAcquire(client, session, l, fences).acquire(set, sorted, deadline, timeout);
            }
            finishAcquire(set);
            set.acquisitionDone();
            ok = true;
            notifyObserver(true, graphId, sorted.size(), System.nanoTime() - started);
            return set;
        } catch (LeaseTimeoutException e) {
            notifyObserver(false, graphId, sorted.size(), System.nanoTime() - started);
            throw e;
        } finally {
            if (!ok) {
                set.acquisitionDone();
                set.close();
            }
        }
    }

    /**
     * Chooses how {@link #acquire} takes several leases. {@code true} (the default): first all
     * tables in three ZooKeeper round trips when no other session holds or waits on any of them
     * ({@link BatchAcquire}), else one table at a time; {@code false}: always one table at a time
     * (a Curator mutex, then a fencing token, per table: about five round trips per table). Both
     * issue the same tokens under the same rules; the switch exists for benchmarks and tests.
     *
     * @param batching whether uncontended acquisitions take every table at once
     */
    public void setBatching(boolean batching) {
        this.batching = batching;
    }

    private volatile boolean batching = true;

    boolean batching() {
        return batching;
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
            return FenceCounter.parse(client.getData().forPath(path), path);
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
     * Closes the manager. If it owns its session (the connect-string constructors), closes the
     * session, which ends it: every lock node of this manager disappears and every live
     * {@link LeaseSet} becomes invalid. Otherwise releases every live lease set and leaves the
     * session open. Idempotent; never throws.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        session.removeStateListener(stateListener);
        sets.stop();
        if (ownsSession) {
            for (LeaseSet s : sets.snapshot()) {
                s.markLost("lease manager closed (session ended)");
            }
            session.close();
        } else {
            for (LeaseSet s : sets.snapshot()) {
                s.close();
            }
        }
        sets.clear();
    }

    // ---------------------------------------------------------------------------------------------

    /** Path of the lease directory of (graph, table, branch); see {@link LeasePaths#leaseBasePath}. */
    static String leaseBasePath(String graphId, String tableKey, String branch) {
        return LeasePaths.leaseBasePath(graphId, tableKey, branch);
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

    /** Whether the ZooKeeper connection is usable now (CONNECTED or RECONNECTED) and the manager is open. */
    public boolean isConnected() {
        return !closed.get() && session.isConnected();
    }

    void unregister(LeaseSet set) {
        sets.remove(set);
    }

    /** Issues the next fencing token; see {@link FenceCounter#bump}. */
    long bumpFence(String fencePath, String lockNode, String graphId, String table, String branch)
            throws LeaseException, InterruptedException {
        return fences.bump(fencePath, lockNode, graphId, table, branch);
    }

    /** Issues the next fencing token above {@code floor}; see {@link FenceCounter#bump(String, String, String, String, String, long)}. */
    long bumpFence(String fencePath, String lockNode, String graphId, String table, String branch, long floor)
            throws LeaseException, InterruptedException {
        return fences.bump(fencePath, lockNode, graphId, table, branch, floor);
    }

    /** End of acquire: the set must not have seen SUSPENDED/LOST, or must re-verify now. */
    private void finishAcquire(LeaseSet set) throws LeaseException, InterruptedException {
        if (set.isLost()) {
            set.checkValid(); // throws LeaseLostException with the state seen
        }
        if (set.isSuspended()) {
            if (!isConnected()) {
                throw new LeaseException("connection to ZooKeeper at " + connectString + " went " + session.state()
                        + " while acquiring leases on graph '" + set.graphId() + "' branch '" + set.branch() + "'");
            }
            sets.verify(set, set.epoch());
            set.checkValid();
        }
    }

    @Override
    public String toString() {
        return "LeaseManager[" + connectString + ", " + session.state() + (closed.get() ? ", closed" : "") + "]";
    }
}
