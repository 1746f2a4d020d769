package reconciler.maintenance;

import java.util.List;
import reconciler.manifest.Manifest;

/**
 * Adds what only another module knows to a graph's maintenance state: the indexes its catalog
 * <em>declares</em> and their coverage, the compaction state, and its own backlog. Called on every
 * full observation of the state ({@code GET .../maintenance-state}, after each maintenance job),
 * from request threads: keep it cheap (metadata only, no scans) and thread-safe.
 *
 * <p>Without contributors the daemon still reports every Lance index it finds at the pinned
 * versions (with {@code declared: false}); "caught up" then means no pending, deferred or corrupt
 * sidecar and no drift. With a contributor, every declared index must also be fully covered, and
 * {@link #backlog} must be empty.
 */
public interface MaintenanceStateContributor {

    /** Short name shown in the state ({@code contributors}), e.g. {@code indexer}. */
    String name();

    /**
     * The indexes the catalog declares for this graph, with their coverage at the manifest's pins.
     * An index that does not exist yet is reported with {@code exists = false}.
     */
    default List<IndexCoverage> indexCoverage(GraphRef graph, Manifest manifest) throws Exception {
        return List.of();
    }

    /** Compaction state per table (tables left out: not tracked). */
    default List<CompactionInfo> compaction(GraphRef graph, Manifest manifest) throws Exception {
        return List.of();
    }

    /**
     * Work this module's background maintenance still has to do on the graph (one line each, e.g.
     * {@code "index name_idx on node:Package: 3 uncovered fragments queued"}); empty when caught up.
     */
    default List<String> backlog(GraphRef graph, Manifest manifest) throws Exception {
        return List.of();
    }

    /**
     * One declared index and its coverage.
     *
     * @param table table key, e.g. {@code node:Package}
     * @param index index name, e.g. {@code name_idx}
     * @param column indexed column
     * @param type index type as Lance names it ({@code BTREE}, {@code INVERTED}, {@code IVF_PQ}, ...)
     * @param exists whether the index exists at the pinned version
     * @param rowsIndexed rows of the pinned version the index covers
     * @param rowsTotal rows of the pinned version
     * @param uncoveredFragments fragments of the pinned version the index does not cover
     * @param satisfied whether the index needs no work now: covered, or nothing to build yet (an empty
     *     table, a vector index on a table with fewer rows than training needs); a satisfied index
     *     never keeps a graph from being caught up
     */
    record IndexCoverage(String table, String index, String column, String type, boolean exists, long rowsIndexed,
                         long rowsTotal, int uncoveredFragments, boolean satisfied) {

        /** Coverage whose satisfaction is read off the figures: present and covering every row and fragment. */
        public IndexCoverage(String table, String index, String column, String type, boolean exists, long rowsIndexed,
                             long rowsTotal, int uncoveredFragments) {
            this(table, index, column, type, exists, rowsIndexed, rowsTotal, uncoveredFragments,
                    exists && rowsIndexed >= rowsTotal && uncoveredFragments == 0);
        }
    }

    /**
     * Compaction state of one table.
     *
     * @param table table key
     * @param needed whether the compaction policy would rewrite the table now
     * @param detail one line: why (e.g. {@code "37 fragments below 50% of the target size"})
     */
    record CompactionInfo(String table, boolean needed, String detail) {
    }
}
