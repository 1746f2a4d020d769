package reconciler.maintenance;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP reloads the graph list of every running daemon in this JVM from its config file
 * ({@code graphs}: roots added get a job and are claimed, roots removed are released). Other keys
 * take effect at the next start.
 *
 * <p>Uses {@code sun.misc.Signal} (module {@code jdk.unsupported}, present in every OpenJDK 17).
 * The handler is installed once, when the first daemon starts, and replaces the JVM's default
 * SIGHUP action (terminate): after the last daemon stops, SIGHUP is ignored. If the JVM refuses
 * (e.g. {@code -Xrs}), or the process started with SIGHUP ignored (e.g. under {@code nohup}: the JVM keeps
 * an inherited SIG_IGN, so a handler would never run), a warning is logged and {@code POST /v1/reload} remains.
 */
public final class HangupReload {

    private static final Logger LOG = LoggerFactory.getLogger(HangupReload.class);
    private static final Set<MaintenanceHost> DAEMONS = ConcurrentHashMap.newKeySet();
    private static volatile boolean installed;
    private static volatile boolean tried;

    private HangupReload() {
    }

    /** Adds a daemon (its host); installs the handler on first use. @return whether SIGHUP reloads are available */
    public static synchronized boolean register(MaintenanceHost d) {
        if (!tried) {
            tried = true;
            if (inheritedIgnored()) {
                // The JVM keeps an inherited SIG_IGN for SIGHUP (nohup, some supervisors): a handler would never run.
                LOG.warn("SIGHUP is ignored by this process (inherited, e.g. from nohup): SIGHUP reload unavailable; use POST /v1/reload");
                DAEMONS.add(d);
                return false;
            }
            try {
                sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> onHangup());
                installed = true;
            } catch (Throwable e) {
                LOG.warn("SIGHUP reload unavailable ({}); use POST /v1/reload", e.toString());
            }
        }
        DAEMONS.add(d);
        return installed;
    }

    /** Whether this process started with SIGHUP ignored ({@code SigIgn} bit 1 of /proc/self/status); false when unknown. */
    static boolean inheritedIgnored() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("SigIgn:")) {
                    return (Long.parseUnsignedLong(line.substring(7).strip(), 16) & 1L) != 0; // bit 0 = signal 1 (HUP)
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            LOG.debug("cannot read /proc/self/status: {}", e.toString());
        }
        return false;
    }

    /** Removes a daemon (the host given to {@link #register}). */
    public static void unregister(MaintenanceHost d) {
        DAEMONS.remove(d);
    }

    /** Whether the SIGHUP handler is installed. */
    public static boolean installed() {
        return installed;
    }

    static void onHangup() {
        for (MaintenanceHost d : DAEMONS) {
            Thread t = new Thread(() -> {
                try {
                    ReloadResult r = d.reloadGraphs();
                    LOG.info("SIGHUP: graph list reloaded: added {}, removed {}", r.added(), r.removed());
                } catch (Exception e) {
                    LOG.error("SIGHUP: reload refused, keeping the current graph list: {}", e.getMessage());
                }
            }, "reconciler-sighup-reload");
            t.setDaemon(true);
            t.start();
        }
    }
}
