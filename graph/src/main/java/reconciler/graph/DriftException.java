package reconciler.graph;

/**
 * A table's Lance HEAD is ahead of its manifest pin and no pending sidecar covers it ("uncovered
 * drift"): someone committed outside the protocol. The writer refuses; an operator must decide.
 */
public class DriftException extends Exception {
    public DriftException(String message) {
        super(message);
    }
}
