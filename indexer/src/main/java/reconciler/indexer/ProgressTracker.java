package reconciler.indexer;

/** Mutable progress of one build; {@link #snapshot()} is thread-safe. */
class ProgressTracker {
    private final String graphId;
    private final String table;
    private final String index;
    private final long rowsTotal;
    private volatile long rowsDone;
    private volatile String phase = "queued";
    private volatile long startNanos;

    ProgressTracker(String graphId, String table, String index, long rowsTotal) {
        this.graphId = graphId;
        this.table = table;
        this.index = index;
        this.rowsTotal = rowsTotal;
    }

    void phase(String p) {
        if (startNanos == 0) {
            startNanos = System.nanoTime();
        }
        phase = p;
    }

    void advance(long rows) {
        rowsDone += rows;
    }

    BuildProgress snapshot() {
        long done = rowsDone;
        double elapsed = startNanos == 0 ? 0 : (System.nanoTime() - startNanos) / 1e9;
        double fraction = rowsTotal <= 0 ? 1 : (double) done / rowsTotal;
        double eta = done <= 0 || startNanos == 0 ? -1 : elapsed * (rowsTotal - done) / done;
        return new BuildProgress(graphId, table, index, phase, done, rowsTotal, fraction, elapsed, eta);
    }
}
