package reconciler.indexer;

import java.util.List;

/**
 * One index of one table at the table's pinned version: declared (catalog) and observed (Lance
 * index metadata; no scans). JSON field names are a contract (docs/indexes.md).
 *
 * @param table table key
 * @param index index name
 * @param columns declared (or, for an undeclared index, observed) columns
 * @param type declared type ({@code BTREE}, {@code BITMAP}, {@code INVERTED}, {@code IVF_PQ},
 *     {@code IVF_HNSW_SQ}); for an undeclared index the type Lance reports
 * @param state {@link State}
 * @param declared whether the catalog declares it
 * @param present whether an index of that name exists at the pinned version
 * @param rowsIndexed rows of the pinned version in fragments the index covers
 * @param rowsTotal rows of the pinned version
 * @param uncoveredFragments fragment ids of the pinned version the index does not cover
 * @param coverage rowsIndexed / rowsTotal (1 for an empty table)
 * @param segments index segments (deltas) at the pinned version
 * @param drift how the index differs from its declaration (type, column, parameters, or built for
 *     an older definition); empty when it matches
 * @param detail one line: why this state
 * @param building progress of a build in flight for this index in this process, or null
 */
public record IndexCoverage(String table, String index, List<String> columns, String type, State state, boolean declared,
                            boolean present, long rowsIndexed, long rowsTotal, List<Integer> uncoveredFragments, double coverage,
                            int segments, List<String> drift, String detail, BuildProgress building) {

    /** Coverage states. */
    public enum State {
        /** Every fragment of the pin is covered and the index matches its declaration. */
        COVERED,
        /** The table is empty: nothing to index. */
        EMPTY,
        /** Present, matching, but some fragments (new since the last build) are not covered: incremental build. */
        PARTIAL,
        /** Declared but absent: full build. */
        MISSING,
        /** Present but not what is declared (type, column, parameters, older definition): rebuild. */
        DRIFTED,
        /**
         * A vector index on a table with fewer rows than training needs: nothing can be built yet, so
         * it is satisfied (coverage 1.0, nothing to build) and built once the table has the rows.
         */
        TOO_FEW_ROWS,
        /** Present in Lance but not declared: reported, never touched. */
        UNDECLARED
    }

    /** Whether the index needs no work now (covered, an empty table, or too few rows to train it). */
    public boolean satisfied() {
        return state == State.COVERED || state == State.EMPTY || state == State.TOO_FEW_ROWS;
    }
}
