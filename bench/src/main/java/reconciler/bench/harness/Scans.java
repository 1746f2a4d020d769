package reconciler.bench.harness;

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
}
