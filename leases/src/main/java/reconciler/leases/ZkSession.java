package reconciler.leases;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the one Curator client (one ZooKeeper session) of a process: builds it (connect string,
 * timeouts, digest auth, chroot creation), follows its connection state with the one
 * connection-state listener and fans state changes out to subscribers, and closes it. Recipes
 * ({@link LeaseManager}, {@link GraphEvents}, {@link Membership}) take a session; they never build a
 * client.
 */
public final class ZkSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ZkSession.class);

    private final CuratorFramework client;
    private final String connectString;
    private final List<Consumer<ConnectionState>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile ConnectionState state = ConnectionState.CONNECTED;

    private ZkSession(CuratorFramework client, String connectString) {
        this.client = client;
        this.connectString = connectString;
    }

    /**
     * Connects to ZooKeeper and blocks until the session is established.
     *
     * @param connectString  ZooKeeper connect string, e.g. {@code 127.0.0.1:2181} or
     *                       {@code zk1:2181,zk2:2181/chroot} (the chroot is created if missing)
     * @param sessionTimeout requested session timeout (millisecond precision, &gt; 0). The server
     *                       clamps it to [{@code 2*tickTime}, {@code 20*tickTime}] by default
     *                       (the embedded server: [{@code 2*tickTime}, 60 s]); a difference is
     *                       logged at WARN.
     * @param connectTimeout how long to wait for the first connection (&gt; 0); also used, capped
     *                       at the session timeout, as Curator's per-operation connection timeout
     * @param digestAuth     {@code user:password} for digest authentication, or null/empty. When
     *                       set, every znode the session creates gets {@code CREATOR_ALL_ACL}.
     *                       The password is never logged.
     * @return the connected session (namespace {@value LeasePaths#NAMESPACE})
     * @throws LeaseException if no session could be established within {@code connectTimeout}
     *                        ("cannot reach ZooKeeper at X within Y"), or if interrupted while
     *                        waiting (the interrupt flag is restored)
     * @throws IllegalArgumentException if a duration is not positive, the connect string is empty
     *                        or the digest is not {@code user:password}
     */
    public static ZkSession connect(String connectString, Duration sessionTimeout, Duration connectTimeout,
                                    String digestAuth) throws LeaseException {
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
        boolean auth = digestAuth != null && !digestAuth.isEmpty();
        if (auth && !digestAuth.contains(":")) {
            throw new IllegalArgumentException("digest auth must look like user:password");
        }
        int sessionMs = (int) Math.min(Integer.MAX_VALUE, Math.max(1, sessionTimeout.toMillis()));
        int connectMs = (int) Math.min(Integer.MAX_VALUE, Math.max(1, connectTimeout.toMillis()));
        CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder();
        if (auth) {
            builder.authorization("digest", digestAuth.getBytes(StandardCharsets.UTF_8)).aclProvider(new ACLProvider() {
                @Override
                public List<ACL> getDefaultAcl() {
                    return ZooDefs.Ids.CREATOR_ALL_ACL;
                }

                @Override
                public List<ACL> getAclForPath(String path) {
                    return ZooDefs.Ids.CREATOR_ALL_ACL;
                }
            });
        }
        CuratorFramework client = builder
                .connectString(connectString)
                .sessionTimeoutMs(sessionMs)
                // Curator warns when session < connection timeout; the cap keeps the log quiet.
                .connectionTimeoutMs(Math.min(connectMs, sessionMs))
                .retryPolicy(new ExponentialBackoffRetry(100, 3))
                .namespace(LeasePaths.NAMESPACE)
                .build();
        ZkSession session = new ZkSession(client, connectString);
        client.getConnectionStateListenable().addListener((c, s) -> session.onStateChanged(s));
        ensureChroot(connectString, connectMs, digestAuth);
        client.start();
        boolean connected;
        try {
            connected = client.blockUntilConnected(connectMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            session.close();
            throw new LeaseException("interrupted while connecting to ZooKeeper at " + connectString, e);
        }
        if (!connected) {
            session.close();
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
        return session;
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

    /**
     * @return the started Curator client (namespace {@value LeasePaths#NAMESPACE}); do not close
     *         it, close this session instead
     */
    public CuratorFramework client() {
        return client;
    }

    /** @return the connect string this session was created with */
    public String connectString() {
        return connectString;
    }

    /** @return the last connection state reported (CONNECTED until the first event) */
    public ConnectionState state() {
        return state;
    }

    /** @return whether the connection is usable now (CONNECTED or RECONNECTED) and the session open */
    public boolean isConnected() {
        ConnectionState s = state;
        return !closed.get() && (s == ConnectionState.CONNECTED || s == ConnectionState.RECONNECTED);
    }

    /** @return whether {@link #close} was called */
    public boolean isClosed() {
        return closed.get();
    }

    /**
     * @return the current ZooKeeper session id (changes after an expiry), or 0 if unknown
     */
    public long sessionId() {
        try {
            return client.getZookeeperClient().getZooKeeper().getSessionId();
        } catch (Exception e) {
            return 0;
        }
    }

    /**
     * Subscribes to connection-state changes. Listeners run on Curator's event thread, after
     * {@link #state()} already reports the new state; they must be fast and not block.
     *
     * @param listener called with each new state
     */
    public void addStateListener(Consumer<ConnectionState> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Unsubscribes a listener added with {@link #addStateListener}; unknown listeners are ignored. */
    public void removeStateListener(Consumer<ConnectionState> listener) {
        listeners.remove(listener);
    }

    private void onStateChanged(ConnectionState newState) {
        state = newState;
        switch (newState) {
            // Leases turn invalid at once on SUSPENDED (another process may take them); LOST means the session expired.
            case LOST -> LOG.error("ZooKeeper connection to {} is LOST: the session expired, every lease of this process is gone", connectString);
            case SUSPENDED, READ_ONLY -> LOG.warn("ZooKeeper connection to {} is {}: leases are invalid until it reconnects", connectString, newState);
            default -> LOG.info("ZooKeeper connection to {} is {}", connectString, newState);
        }
        for (Consumer<ConnectionState> l : listeners) {
            try {
                l.accept(newState);
            } catch (RuntimeException e) {
                LOG.warn("connection-state listener failed on {}: {}", newState, e.toString());
            }
        }
    }

    /**
     * Closes the Curator client, which ends the ZooKeeper session: every ephemeral node of the
     * session disappears. Idempotent; never throws.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            client.close();
        }
    }

    @Override
    public String toString() {
        return "ZkSession[" + connectString + ", " + state + (closed.get() ? ", closed" : "") + "]";
    }
}
