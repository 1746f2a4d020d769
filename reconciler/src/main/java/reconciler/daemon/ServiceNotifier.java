package reconciler.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service manager's notification protocol ({@code sd_notify(3)}): newline-separated
 * {@code KEY=VALUE} assignments ({@code READY=1}, {@code STATUS=...}, {@code WATCHDOG=1},
 * {@code STOPPING=1}) sent as one datagram to the {@code AF_UNIX} socket named by the
 * {@code NOTIFY_SOCKET} environment variable (a path, or {@code @name} for the abstract
 * namespace). systemd sets it for {@code Type=notify} units; without it every method is a no-op,
 * so the daemon runs the same under a terminal, a test or another supervisor.
 *
 * <p>The watchdog ({@code sd_watchdog_enabled(3)}): systemd sets {@code WATCHDOG_USEC} (the
 * unit's {@code WatchdogSec}) and {@code WATCHDOG_PID}; the watchdog applies to this process
 * only when {@code WATCHDOG_PID} is absent or names it, and should be fed at half the interval.
 *
 * <p>Java 17 has {@code AF_UNIX} streams only, so the datagram goes through junixsocket. A send
 * that fails is logged once at WARN and otherwise ignored: a notification is never a reason to
 * stop recovering graphs.
 */
public final class ServiceNotifier implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceNotifier.class);
    private static final ServiceNotifier NONE = new ServiceNotifier(null, null);

    private final String socket;
    private final Duration watchdog;
    private AFUNIXDatagramChannel channel;
    private boolean warned;

    private ServiceNotifier(String socket, Duration watchdog) {
        this.socket = socket;
        this.watchdog = watchdog;
    }

    /** A notifier that sends nothing. */
    public static ServiceNotifier none() {
        return NONE;
    }

    /** The notifier this process's environment asks for ({@link #of(Map, long)} of {@link System#getenv()}). */
    public static ServiceNotifier fromEnvironment() {
        return of(System.getenv(), ProcessHandle.current().pid());
    }

    /**
     * @param env environment variables: {@code NOTIFY_SOCKET}, {@code WATCHDOG_USEC}, {@code WATCHDOG_PID}
     * @param pid this process's id, compared with {@code WATCHDOG_PID}
     * @return {@link #none()} when {@code NOTIFY_SOCKET} is unset or empty
     */
    public static ServiceNotifier of(Map<String, String> env, long pid) {
        String socket = env.get("NOTIFY_SOCKET");
        if (socket == null || socket.isEmpty()) {
            return NONE;
        }
        Duration watchdog = null;
        String usec = env.get("WATCHDOG_USEC");
        String wpid = env.get("WATCHDOG_PID");
        if (usec != null && !usec.isBlank() && (wpid == null || wpid.isBlank() || wpid.strip().equals(Long.toString(pid)))) {
            try {
                long us = Long.parseLong(usec.strip());
                if (us > 0) {
                    watchdog = Duration.ofNanos(us * 1000);
                }
            } catch (NumberFormatException e) {
                LOG.warn("WATCHDOG_USEC='{}' is not a number of microseconds: the systemd watchdog is not fed", usec);
            }
        }
        return new ServiceNotifier(socket, watchdog);
    }

    /** Whether a service manager listens ({@code NOTIFY_SOCKET} was set). */
    public boolean enabled() {
        return socket != null;
    }

    /** How often to send {@code WATCHDOG=1}: half of {@code WATCHDOG_USEC}; empty when the watchdog is off for this process. */
    public Optional<Duration> watchdogInterval() {
        return watchdog == null ? Optional.empty() : Optional.of(watchdog.dividedBy(2));
    }

    /**
     * Sends one notification of the given assignments (joined by newlines).
     *
     * @param assignments e.g. {@code "READY=1"}, {@code "STATUS=first pass: 3/10 graphs checked"}
     * @return whether it was sent; false when disabled or the send failed (logged once)
     */
    public synchronized boolean send(String... assignments) {
        if (socket == null) {
            return false;
        }
        byte[] msg = String.join("\n", assignments).getBytes(StandardCharsets.UTF_8);
        try {
            if (channel == null) {
                channel = AFUNIXDatagramChannel.open();
            }
            channel.send(ByteBuffer.wrap(msg), address(socket));
            return true;
        } catch (IOException | RuntimeException e) {
            if (!warned) {
                warned = true;
                LOG.warn("cannot notify the service manager at NOTIFY_SOCKET={}: {} (further failures are not logged)", socket, e.toString());
            }
            return false;
        }
    }

    /** The socket address of {@code NOTIFY_SOCKET}: a leading {@code @} is the abstract namespace. */
    static AFUNIXSocketAddress address(String socket) throws IOException {
        if (socket.startsWith("@")) {
            byte[] name = socket.substring(1).getBytes(StandardCharsets.UTF_8);
            byte[] abs = new byte[name.length + 1];
            System.arraycopy(name, 0, abs, 1, name.length);
            return AFUNIXSocketAddress.of(abs);
        }
        return AFUNIXSocketAddress.of(Path.of(socket));
    }

    @Override
    public synchronized void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing to release beyond the descriptor
            }
            channel = null;
        }
    }
}
