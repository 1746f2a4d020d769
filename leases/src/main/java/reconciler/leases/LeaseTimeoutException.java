package reconciler.leases;

/**
 * Thrown by {@link LeaseManager#acquire} when the lease of one table could not be taken within
 * the caller's timeout because another holder (another session) has it. Any leases already taken
 * by that call have been released before this is thrown. The message names the table.
 */
public class LeaseTimeoutException extends LeaseException {
    private static final long serialVersionUID = 1L;

    private final String tableKey;

    /**
     * Creates the exception.
     *
     * @param message  human-readable description naming graph, table and branch
     * @param tableKey the table key whose lease timed out
     */
    public LeaseTimeoutException(String message, String tableKey) {
        super(message);
        this.tableKey = tableKey;
    }

    /**
     * Returns the table key whose lease could not be taken in time.
     *
     * @return the table key, e.g. {@code node:Package}
     */
    public String tableKey() {
        return tableKey;
    }
}
