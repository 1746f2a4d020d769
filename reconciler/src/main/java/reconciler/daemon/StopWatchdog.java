package reconciler.daemon;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds a graceful stop by {@code shutdownTimeout}: past it, the threads of the stopping daemon
 * (names starting with its prefix: passes and maintenance jobs) are interrupted (their steps are
 * idempotent; the sidecar is deleted last).
 */
final class StopWatchdog {

    private static final Logger LOG = LoggerFactory.getLogger(Daemon.LOGGER); // the daemon's log lines keep their logger name

    private StopWatchdog() {
    }

    /** A factory of daemon threads all named {@code name} (they must not keep the JVM alive). */
    static java.util.concurrent.ThreadFactory daemonThreads(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Starts the watchdog; interrupt the returned thread once the stop completed. */
    static Thread arm(Duration bound, String threadPrefix) {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(bound.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            LOG.warn("graceful stop exceeded shutdownTimeout {}: interrupting running passes and maintenance jobs", bound);
            for (Thread th : Thread.getAllStackTraces().keySet()) {
                if (th.getName().startsWith(threadPrefix)) {
                    th.interrupt();
                }
            }
        }, "reconciler-stop-watchdog");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
