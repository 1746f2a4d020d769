package reconciler.indexer;

/**
 * Progress of one running index build (or compaction), as logged and as shown in the coverage
 * report. Granularity: one staged segment (see {@link MaintenanceOptions#segmentRows()}).
 *
 * @param graphId the graph
 * @param table table key
 * @param index index name ({@code *compaction*} for a compaction)
 * @param phase {@code queued}, {@code training}, {@code building}, {@code committing}
 * @param rowsProcessed rows indexed so far
 * @param rowsTotal rows this build indexes
 * @param fraction rowsProcessed / rowsTotal (1 when there is nothing to do)
 * @param elapsedSeconds since the build started (excluding queueing)
 * @param etaSeconds estimated seconds to finish, from the rate so far; -1 while unknown
 */
public record BuildProgress(String graphId, String table, String index, String phase, long rowsProcessed, long rowsTotal,
                            double fraction, double elapsedSeconds, double etaSeconds) {

    /** One line for logs. */
    public String line() {
        return String.format(java.util.Locale.ROOT, "%s %s on %s: %s %d/%d rows (%.0f%%), elapsed %.1fs, ETA %s", graphId, index, table, phase,
                rowsProcessed, rowsTotal, fraction * 100, elapsedSeconds, etaSeconds < 0 ? "unknown" : String.format(java.util.Locale.ROOT, "%.1fs", etaSeconds));
    }
}
