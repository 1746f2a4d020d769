package reconciler.graph;

import java.util.List;

/** A branch merge refused because both branches changed the same tables since the fork (nothing was written). */
public final class MergeConflictException extends Exception {

    private final List<String> tables;

    /** @param tables the tables both branches changed */
    public MergeConflictException(String graphId, String source, String target, List<String> tables) {
        super("merge of branch " + source + " into " + target + " of graph " + graphId + " refused: both changed "
                + String.join(", ", tables) + " since the fork (merge is table by table; reconcile those tables by hand)");
        this.tables = List.copyOf(tables);
    }

    /** The conflicting tables. */
    public List<String> tables() {
        return tables;
    }
}
