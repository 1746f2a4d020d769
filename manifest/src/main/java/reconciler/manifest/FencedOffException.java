package reconciler.manifest;

/**
 * A publish carried a fencing token below the one the manifest recorded for a table: the
 * publisher's lease was lost and someone else has since published that table.
 */
public class FencedOffException extends Exception {
    public FencedOffException(String graphId, String tableKey, long token, long recorded) {
        super("fenced off in graph " + graphId + ": table " + tableKey + " publish carries fencing token " + token
                + " but the manifest records " + recorded + " (the lease was lost)");
    }
}
