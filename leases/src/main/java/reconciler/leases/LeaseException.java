package reconciler.leases;

/**
 * Base checked exception of the lease subsystem: ZooKeeper unreachable, connection
 * SUSPENDED/LOST when an operation needs it, a ZooKeeper error while taking or releasing a
 * lease, or a lock lost while obtaining its fencing token.
 *
 * <p>Subclasses: {@link LeaseTimeoutException} (a lease could not be taken in time) and
 * {@link LeaseLostException} (a lease held earlier is no longer safe to act on).
 */
public class LeaseException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message.
     *
     * @param message human-readable description (names graph, table, branch or server where known)
     */
    public LeaseException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and a cause.
     *
     * @param message human-readable description
     * @param cause   the underlying ZooKeeper/Curator error, may be {@code null}
     */
    public LeaseException(String message, Throwable cause) {
        super(message, cause);
    }
}
