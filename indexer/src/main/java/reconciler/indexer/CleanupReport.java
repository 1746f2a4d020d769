package reconciler.indexer;

import java.util.List;

/**
 * The result of one cleanup round over a graph.
 *
 * @param graphId the graph
 * @param manifestVersion the latest manifest version at the start
 * @param retainedManifests the manifest versions whose pins were protected
 * @param tables per table
 */
public record CleanupReport(String graphId, long manifestVersion, List<Long> retainedManifests, List<TableCleanup> tables) {

    /**
     * @param table table key
     * @param status {@code CLEANED}, {@code SKIPPED}, {@code BUSY}, {@code FAILED}
     * @param protectedVersions Lance versions kept because a retained manifest pins them (tagged
     *     {@code reconciler-pin-<v>} when below the latest pin)
     * @param versionsRemoved old versions Lance removed
     * @param bytesRemoved bytes Lance removed
     * @param tagsCreated protection tags created
     * @param tagsDeleted protection tags removed (their manifest versions left retention)
     * @param message one line
     */
    public record TableCleanup(String table, String status, List<Long> protectedVersions, long versionsRemoved, long bytesRemoved,
                               int tagsCreated, int tagsDeleted, String message) {
    }
}
