package reconciler.indexer;

/**
 * What converge did (or decided not to do) for one declared index.
 *
 * @param table table key
 * @param index index name
 * @param mode {@code FULL}, {@code INCREMENTAL} or {@code REBUILD}; {@code NONE} when nothing was attempted
 * @param rows rows the build indexed
 * @param fragments fragments the build indexed
 * @param segments segments written
 * @param buildMillis time of the staged build (outside the lease)
 * @param status how it ended
 * @param operationId the commit's operation (its sidecar's name), or null
 * @param manifestVersion the manifest version that published it, 0 if none
 * @param message one line
 */
public record IndexAction(String table, String index, String mode, long rows, int fragments, int segments, long buildMillis,
                          CommitStatus status, String operationId, long manifestVersion, String message) {
}
