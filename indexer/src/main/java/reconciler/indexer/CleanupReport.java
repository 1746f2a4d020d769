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
     * @param status how it ended
     * @param protectedVersions Lance versions kept because a retained manifest pins them (tagged
     *     {@code reconciler-pin-<v>} when below the latest pin)
     * @param versionsRemoved old versions Lance removed
     * @param bytesRemoved bytes Lance removed
     * @param tagsCreated protection tags created
     * @param tagsDeleted protection tags removed (their manifest versions left retention)
     * @param message one line
     */
    public record TableCleanup(String table, Status status, List<Long> protectedVersions, long versionsRemoved, long bytesRemoved,
                               int tagsCreated, int tagsDeleted, String message) {
    }

    /** How one table's cleanup ended (serialised by name). */
    public enum Status {
        /** Lance's cleanup ran with the retained pins protected. */
        CLEANED,
        /** Not run: a pending sidecar covers the table, or there is nothing to protect it with. */
        SKIPPED,
        /** The table's lease was not obtained in time. */
        BUSY,
        /** A step failed. */
        FAILED
    }
}
