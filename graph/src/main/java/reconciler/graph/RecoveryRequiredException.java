package reconciler.graph;

/**
 * A write cannot proceed, or failed after its sidecar was written, and the reconciler must heal
 * the graph first. When {@link #operationId()} is set, that operation's sidecar is on disk.
 */
public class RecoveryRequiredException extends Exception {
    private final String operationId;

    public RecoveryRequiredException(String operationId, String message, Throwable cause) {
        super(message, cause);
        this.operationId = operationId;
    }

    /** The operation whose sidecar blocks or was left behind, or {@code null}. */
    public String operationId() {
        return operationId;
    }
}
