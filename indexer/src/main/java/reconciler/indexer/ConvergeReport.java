package reconciler.indexer;

import java.util.List;

/**
 * The result of one converge round over a graph.
 *
 * @param graphId the graph
 * @param actions per index touched (or skipped), in table order
 * @param after coverage at the latest pins once the round finished
 * @param millis wall time of the round
 */
public record ConvergeReport(String graphId, List<IndexAction> actions, GraphCoverage after, long millis) {

    /** Whether every declared index is covered after the round. */
    public boolean converged() {
        return after.converged();
    }

    /** Whether some operation left a sidecar for the reconciler. */
    public boolean recoveryRequired() {
        return actions.stream().anyMatch(a -> a.status() == CommitStatus.RECOVERY_REQUIRED);
    }
}
