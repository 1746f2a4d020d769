package reconciler.maintenance;

/**
 * The daemon cannot act or vouch for a result right now: its ZooKeeper session is not CONNECTED
 * (SUSPENDED, LOST or READ_ONLY), so no lease can be held and a pass's view may be stale. A job
 * failing with it reports the error type {@code NotReady}; maintenance state lists it as the first
 * reason a graph is not caught up. Retry once {@code /readyz} answers 200.
 */
public final class NotReadyException extends Exception {

    /** The error type jobs and maintenance state report. */
    public static final String TYPE = "NotReady";

    public NotReadyException(String message) {
        super(message);
    }

    /** @throws NotReadyException unless the host's ZooKeeper session is connected */
    static void requireConnected(MaintenanceHost host, String what) throws NotReadyException {
        if (!host.leases().isConnected()) {
            throw new NotReadyException("the ZooKeeper session is not connected: " + what);
        }
    }
}
