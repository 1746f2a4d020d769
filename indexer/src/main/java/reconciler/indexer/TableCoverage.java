package reconciler.indexer;

import java.util.List;

/**
 * Index coverage of one table at its pinned version.
 *
 * @param table table key
 * @param pinnedVersion the manifest's pin (coverage is measured here)
 * @param headVersion Lance HEAD (ahead of the pin while a writer is between commit and publish)
 * @param fragments fragments at the pin
 * @param rows rows at the pin
 * @param indexes every declared index, then every undeclared one
 * @param error why the table could not be read, or null
 */
public record TableCoverage(String table, long pinnedVersion, long headVersion, int fragments, long rows,
                            List<IndexCoverage> indexes, String error) {

    /** Whether every declared index is satisfied and the table was readable. */
    public boolean converged() {
        return error == null && indexes.stream().filter(IndexCoverage::declared).allMatch(IndexCoverage::satisfied);
    }
}
