package reconciler.bench.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.lance.Dataset;
import org.lance.ipc.LanceScanner;
import org.lance.ipc.ScanOptions;

/** Small helpers around Lance scans. */
final class Scans {
    private Scans() {
    }

    /** Runs a scan and returns its row count (every batch is read). */
    static long count(Dataset ds, ScanOptions options) throws Exception {
        try (LanceScanner sc = ds.newScan(options); ArrowReader r = sc.scanBatches()) {
            long n = 0;
            while (r.loadNextBatch()) {
                n += r.getVectorSchemaRoot().getRowCount();
            }
            return n;
        }
    }

    /** A SQL string literal. */
    static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    /** Latencies of the measured queries and how many of them returned at least one row. */
    record Timed(List<Long> nanos, int hits) {
    }

    /**
     * Runs {@code ctx.warmup() + ctx.queries()} counting scans of {@code ctx.packages()}, each with the
     * options {@code next} makes, and times them; the warm-up ones are not measured.
     */
    static Timed timeQueries(Workload.Context ctx, Supplier<ScanOptions> next) throws Exception {
        List<Long> nanos = new ArrayList<>();
        int hits = 0;
        for (int i = 0; i < ctx.warmup() + ctx.queries(); i++) {
            ScanOptions o = next.get();
            long t0 = System.nanoTime();
            long rows = count(ctx.packages(), o);
            long t = System.nanoTime() - t0;
            if (i >= ctx.warmup()) {
                nanos.add(t);
                hits += rows > 0 ? 1 : 0;
            }
        }
        return new Timed(nanos, hits);
    }
}
