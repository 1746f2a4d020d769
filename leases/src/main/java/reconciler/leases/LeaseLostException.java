package reconciler.leases;

/**
 * Thrown when a lease that was held can no longer be trusted: the ZooKeeper connection went
 * SUSPENDED or LOST, the session expired, a lock node vanished, or the lease set was closed.
 * A holder that sees this must stop writing immediately. The message names graph, tables,
 * branch and the state observed.
 */
public class LeaseLostException extends LeaseException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message human-readable description naming graph, tables, branch and the state seen
     */
    public LeaseLostException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param message human-readable description
     * @param cause   the underlying error, may be {@code null}
     */
    public LeaseLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
