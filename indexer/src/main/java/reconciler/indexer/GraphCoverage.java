package reconciler.indexer;

import java.util.List;

/**
 * Index coverage of a graph at the latest manifest's pins (docs/indexes.md, "Coverage report").
 *
 * @param graphId the graph
 * @param manifestVersion the manifest version whose pins were measured
 * @param tables per table, sorted by key
 * @param converged whether every declared index of every table is satisfied: covered, its table empty, or its
 *     table still too small to train it (nothing to build; {@link #notes()} says so)
 * @param building builds in flight in this process for this graph
 */
public record GraphCoverage(String graphId, long manifestVersion, List<TableCoverage> tables, boolean converged,
                            List<BuildProgress> building) {

    /** Every declared index that is not satisfied, one line each (the backlog). */
    public List<String> backlog() {
        return tables.stream().flatMap(t -> t.indexes().stream()).filter(i -> i.declared() && !i.satisfied())
                .map(i -> i.state() + " " + i.index() + " on " + i.table() + ": " + i.detail()).toList();
    }

    /**
     * Declared indexes that are satisfied but not built, one line each: a vector index waiting for
     * enough rows to train ({@code TOO_FEW_ROWS}). Informational, never blocking "caught up".
     */
    public List<String> notes() {
        return tables.stream().flatMap(t -> t.indexes().stream()).filter(i -> i.declared() && i.state() == IndexCoverage.State.TOO_FEW_ROWS)
                .map(i -> i.state() + " " + i.index() + " on " + i.table() + ": " + i.detail()).toList();
    }
}
