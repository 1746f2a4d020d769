package reconciler.graph;

import java.util.Set;

/** A graph branch that main's latest manifest does not list (the branch list is the authority, docs/protocol.md "Branches"). */
public final class BranchNotFoundException extends IllegalArgumentException {

    private final String branch;

    /** @param listed the branches main lists */
    public BranchNotFoundException(String graphId, String branch, Set<String> listed) {
        super("graph " + graphId + " has no branch '" + branch + "' (branches: main" + (listed.isEmpty() ? "" : ", " + String.join(", ", listed))
                + ")");
        this.branch = branch;
    }

    /** The branch named. */
    public String branch() {
        return branch;
    }
}
