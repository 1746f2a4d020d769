package reconciler.leases;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.zookeeper.server.ServerConfig;
import org.apache.zookeeper.server.ZooKeeperServerMain;
import org.apache.zookeeper.server.quorum.QuorumPeerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A standalone ZooKeeper server running inside this JVM: a real {@link ZooKeeperServerMain}
 * (which also runs the container-znode reaper that Curator lock parents rely on) on a daemon
 * thread, bound to {@code 127.0.0.1} only, with the Jetty admin server disabled.
 *
 * <p>Session timeouts requested by clients are clamped by the server to
 * [{@code 2 * tickTime}, {@code max(60000, 2 * tickTime)}] milliseconds; use a tick time of at
 * most half the shortest session timeout you want to honour.
 *
 * <p>Requires {@code org.xerial.snappy:snappy-java} and {@code io.dropwizard.metrics:metrics-core}
 * at run time (ZooKeeper declares both {@code provided}); without them the server thread dies and
 * {@link #start} reports it.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedZooKeeper.class);

    /** Upper bound on how long {@link #start} waits for the server to answer. */
    private static final long START_TIMEOUT_MS = 20_000;
    /** Upper bound on how long {@link #close} waits for the server thread to end. */
    private static final long STOP_TIMEOUT_MS = 15_000;
    /** The longest session the embedded server grants (ms); ZooKeeper silently negotiates longer requests down to it. */
    public static final int MAX_SESSION_TIMEOUT_MS = 60_000;
    private static final String LOOPBACK = "127.0.0.1";

    private final Server server;
    private final Thread thread;
    private final int port;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedZooKeeper(Server server, Thread thread, int port) {
        this.server = server;
        this.thread = thread;
        this.port = port;
    }

    /** ZooKeeperServerMain that reports when it is fully started (cnxn factory bound and running). */
    private static final class Server extends ZooKeeperServerMain {
        private final CountDownLatch started = new CountDownLatch(1);

        @Override
        protected void serverStarted() {
            started.countDown();
        }
    }

    /** ServerConfig whose client address can be replaced (lets us bind 127.0.0.1:0). */
    private static final class Config extends ServerConfig {
        void bindTo(InetSocketAddress address) {
            this.clientPortAddress = address;
        }
    }

    /**
     * Starts an embedded standalone ZooKeeper server and blocks until it accepts connections.
     *
     * @param dataDir    directory for snapshots and transaction logs; created if missing. Reusing the
     *                   same directory after a restart keeps znodes (and, within their timeout,
     *                   sessions).
     * @param port       TCP port on 127.0.0.1, or {@code 0} to let the OS pick a free port
     *                   (read it back with {@link #port()})
     * @param tickTimeMs ZooKeeper tick in milliseconds (&gt; 0); minimum session timeout is
     *                   {@code 2 * tickTimeMs}, maximum {@code max(60000, 2 * tickTimeMs)}
     * @return the running server; close it to stop it
     * @throws IOException if the data directory cannot be created, the configuration is rejected,
     *                     the server thread dies (for example the port is already in use; the
     *                     message names the port), or it does not answer within 20 seconds
     * @throws IllegalArgumentException if {@code port} is outside 0..65535 or {@code tickTimeMs <= 0}
     */
    public static EmbeddedZooKeeper start(Path dataDir, int port, int tickTimeMs) throws IOException {
        Objects.requireNonNull(dataDir, "dataDir");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in 0..65535, got " + port);
        }
        if (tickTimeMs <= 0) {
            throw new IllegalArgumentException("tickTimeMs must be > 0, got " + tickTimeMs);
        }
        Files.createDirectories(dataDir);
        System.setProperty("zookeeper.admin.enableServer", "false");

        int minSession = 2 * tickTimeMs;
        Properties p = new Properties();
        p.setProperty("dataDir", dataDir.toAbsolutePath().toString());
        // QuorumPeerConfig refuses clientPort=0; a placeholder is replaced by the real address below.
        p.setProperty("clientPort", Integer.toString(port == 0 ? 2181 : port));
        p.setProperty("clientPortAddress", LOOPBACK);
        p.setProperty("tickTime", Integer.toString(tickTimeMs));
        p.setProperty("minSessionTimeout", Integer.toString(minSession));
        p.setProperty("maxSessionTimeout", Integer.toString(Math.max(MAX_SESSION_TIMEOUT_MS, minSession)));
        Config cfg = new Config();
        try {
            QuorumPeerConfig qpc = new QuorumPeerConfig();
            qpc.parseProperties(p);
            cfg.readFrom(qpc);
        } catch (Exception e) {
            throw new IOException("invalid embedded ZooKeeper configuration for port " + port + ": " + e, e);
        }
        InetAddress loopback = InetAddress.getByAddress(LOOPBACK, new byte[] {127, 0, 0, 1});
        cfg.bindTo(new InetSocketAddress(loopback, port));

        Server server = new Server();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        String requested = LOOPBACK + ":" + (port == 0 ? "<any free port>" : Integer.toString(port));
        Thread thread = new Thread(() -> {
            try {
                server.runFromConfig(cfg);
            } catch (Throwable t) {
                failure.set(t);
                if (server.started.getCount() == 0) {
                    LOG.error("embedded ZooKeeper on {} stopped with an error", requested, t);
                } else {
                    LOG.debug("embedded ZooKeeper on {} failed to start", requested, t); // start() reports it
                }
            }
        }, "embedded-zookeeper-" + port);
        thread.setDaemon(true);
        thread.start();

        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
        try {
            // 1. wait for ZooKeeperServerMain.serverStarted(), or the thread's death
            while (!server.started.await(20, TimeUnit.MILLISECONDS)) {
                if (!thread.isAlive()) {
                    throw startFailure(requested, failure.get());
                }
                if (System.nanoTime() - deadline > 0) {
                    stopQuietly(server, thread);
                    throw new IOException("embedded ZooKeeper on " + requested + " did not start within "
                            + START_TIMEOUT_MS + " ms");
                }
            }
            int actual = server.getClientPort();
            if (actual <= 0) {
                stopQuietly(server, thread);
                throw new IOException("embedded ZooKeeper on " + requested + " started without a client port");
            }
            // 2. it must answer on the bound port
            String hostPort = LOOPBACK + ":" + actual;
            while (!isServing(hostPort, Duration.ofMillis(500))) {
                if (!thread.isAlive()) {
                    throw startFailure(hostPort, failure.get());
                }
                if (System.nanoTime() - deadline > 0) {
                    stopQuietly(server, thread);
                    throw new IOException("embedded ZooKeeper on " + hostPort + " does not answer after "
                            + START_TIMEOUT_MS + " ms");
                }
                Thread.sleep(20);
            }
            if (!thread.isAlive()) {
                throw startFailure(hostPort, failure.get());
            }
            LOG.info("embedded ZooKeeper serving on {} (tickTime {} ms, dataDir {})", hostPort, tickTimeMs, dataDir);
            return new EmbeddedZooKeeper(server, thread, actual);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopQuietly(server, thread);
            throw new IOException("interrupted while starting embedded ZooKeeper on " + requested, e);
        }
    }

    private static IOException startFailure(String where, Throwable cause) {
        String why = cause == null ? "server thread ended" : cause.toString();
        String hint = "";
        for (Throwable t = cause; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (m.contains("com/codahale/metrics")) {
                hint = " (add io.dropwizard.metrics:metrics-core to the run-time class path: ZooKeeper declares it"
                        + " 'provided' but its ServerMetrics needs it)";
            } else if (m.contains("org/xerial/snappy")) {
                hint = " (add org.xerial.snappy:snappy-java to the run-time class path)";
            }
        }
        return new IOException("embedded ZooKeeper could not start on " + where + ": " + why + hint, cause);
    }

    private static void stopQuietly(Server server, Thread thread) {
        try {
            server.close();
        } catch (RuntimeException e) {
            LOG.warn("error stopping embedded ZooKeeper", e);
        }
        try {
            thread.join(STOP_TIMEOUT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Returns the connect string of this server.
     *
     * @return {@code "127.0.0.1:PORT"}
     */
    public String connectString() {
        return LOOPBACK + ":" + port;
    }

    /**
     * Returns the TCP port the server is bound to (the real port when started with port 0).
     *
     * @return the port, 1..65535
     */
    public int port() {
        return port;
    }

    /**
     * Stops the server ({@link ZooKeeperServerMain#close()}) and waits (at most 15 s) for its thread
     * to end. Client sessions are not closed explicitly; they survive on disk and are restored if a
     * server is started again on the same data directory. Idempotent; never throws.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopQuietly(server, thread);
        if (thread.isAlive()) {
            LOG.warn("embedded ZooKeeper thread on port {} still alive {} ms after close", port, STOP_TIMEOUT_MS);
        } else {
            LOG.info("embedded ZooKeeper on {} stopped", connectString());
        }
    }

    /**
     * Cheap TCP reachability check: whether something accepts a TCP connection at
     * {@code hostPort}. It does not speak the ZooKeeper protocol; use it to decide whether an
     * (embedded) server is already running before starting one.
     *
     * @param hostPort {@code host:port}; a comma-separated ZooKeeper connect string (optionally
     *                 with a chroot suffix) is accepted, and is serving if any of its hosts is
     * @param timeout  connect timeout per host (rounded to milliseconds, at least 1 ms)
     * @return true if a TCP connection could be opened within the timeout, false otherwise
     *         (refused, unreachable, unknown host or timeout)
     * @throws IllegalArgumentException if {@code hostPort} is not of the form {@code host:port}
     */
    public static boolean isServing(String hostPort, Duration timeout) {
        Objects.requireNonNull(hostPort, "hostPort");
        Objects.requireNonNull(timeout, "timeout");
        String hosts = hostPort;
        int slash = hosts.indexOf('/');
        if (slash >= 0) {
            hosts = hosts.substring(0, slash);
        }
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        for (String one : hosts.split(",")) {
            String hp = one.trim();
            int colon = hp.lastIndexOf(':');
            if (colon <= 0 || colon == hp.length() - 1) {
                throw new IllegalArgumentException("expected host:port, got '" + hostPort + "'");
            }
            String host = hp.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int p;
            try {
                p = Integer.parseInt(hp.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected host:port, got '" + hostPort + "'", e);
            }
            if (p <= 0 || p > 65535) {
                throw new IllegalArgumentException("port out of range in '" + hostPort + "'");
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, p), millis);
                return true;
            } catch (IOException | IllegalArgumentException e) {
                // not reachable: try the next host
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "EmbeddedZooKeeper[" + connectString() + (closed.get() ? ", closed" : "") + "]";
    }
}
