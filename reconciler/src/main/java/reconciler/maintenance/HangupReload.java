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
 * (e.g. {@code -Xrs}), a warning is logged and {@code POST /v1/reload} remains.
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
