package reconciler.daemon;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the service manager how start-up goes (docs/operations.md, "Under systemd"):
 * {@code STATUS=first pass: K/N graph(s) checked} at most once a second while the first passes
 * run, {@code READY=1} once the daemon serves and every configured graph had its first pass,
 * {@code STOPPING=1} when the shutdown begins. Without {@code NOTIFY_SOCKET} it only logs the
 * {@code ready:} line.
 */
final class ReadyNotice implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Daemon.LOGGER);

    private final ServiceNotifier notifier;
    private final GraphSet graphs;
    private final IntSupplier httpPort;
    private final AtomicBoolean readySent = new AtomicBoolean();
    private volatile boolean serving;
    private volatile long lastStatusNanos;

    ReadyNotice(ServiceNotifier notifier, GraphSet graphs, IntSupplier httpPort) {
        this.notifier = notifier;
        this.graphs = graphs;
        this.httpPort = httpPort;
    }

    /** The daemon serves (ZooKeeper, the HTTP API): READY=1 as soon as every graph was checked. */
    void serving() {
        serving = true;
        firstCheckProgress();
    }

    /** A graph's first scheduled pass ran (called on a pass thread). */
    void firstCheckProgress() {
        if (!serving || readySent.get()) {
            return;
        }
        int[] progress = graphs.firstPassProgress();
        int done = progress[0];
        int total = progress[1];
        if (done >= total) {
            if (readySent.compareAndSet(false, true)) {
                int port = httpPort.getAsInt();
                notifier.send("READY=1", "STATUS=ready: " + total + " graph(s) checked, HTTP " + (port < 0 ? "off" : "on port " + port));
                LOG.info("ready: the first pass checked all {} graph(s){}", total, notifier.enabled() ? " (READY=1 sent to the service manager)" : "");
            }
        } else if (System.nanoTime() - lastStatusNanos > 1_000_000_000L) {
            lastStatusNanos = System.nanoTime();
            notifier.send("STATUS=first pass: " + done + "/" + total + " graph(s) checked");
        }
    }

    /** The shutdown begins. */
    void stopping() {
        notifier.send("STOPPING=1", "STATUS=stopping: passes finish their current step");
    }

    @Override
    public void close() {
        notifier.close();
    }
}
