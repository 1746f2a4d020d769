package reconciler.bench.harness;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.UInt8Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.lance.ipc.LanceScanner;
import org.lance.ipc.Query;
import org.lance.ipc.ScanOptions;
import reconciler.client.MaintenanceState;

/**
 * Vector top-k on {@code node:Package}: for vectors taken from the table itself, an indexed
 * nearest-neighbour query (latency measured) and the same query by brute force
 * ({@code useIndex=false}) for recall@k. Runs only when the maintenance state shows a declared
 * vector index (IVF_*, or type VECTOR) on node:Package; its {@code column} names the vector column.
 * The Debian schema has no embedding column yet, so today this is always skipped.
 */
public final class VectorTopK implements Workload {

    static final int K = 10;

    @Override
    public String name() {
        return "vector-top-k";
    }

    private static JsonNode declared(MaintenanceState s) {
        JsonNode i = s.declaredIndex(ThreePhaseBench.PACKAGE, null, "IVF");
        return i != null ? i : s.declaredIndex(ThreePhaseBench.PACKAGE, null, "VECTOR");
    }

    @Override
    public String skipReason(MaintenanceState state) {
        JsonNode i = declared(state);
        if (i == null) {
            return "no vector index on node:Package is declared (the Debian schema has no embedding column yet); plugs in when one is";
        }
        return i.hasNonNull("column") ? null : "declared vector index " + i.path("name").asText() + " names no column";
    }

    @Override
    public Measurement run(Context ctx) throws Exception {
        String column = declared(ctx.state()).path("column").asText();
        List<float[]> keys = sampleVectors(ctx, column, ctx.warmup() + ctx.queries());
        if (keys.isEmpty()) {
            return Measurement.skipped(name(), "column " + column + " holds no vectors");
        }
        List<Long> nanos = new ArrayList<>();
        double recallSum = 0;
        int hits = 0;
        for (int i = 0; i < keys.size(); i++) {
            float[] key = keys.get(i);
            long t0 = System.nanoTime();
            Set<Long> approx = rowIds(ctx, column, key, true);
            long t = System.nanoTime() - t0;
            if (i < ctx.warmup()) {
                continue;
            }
            nanos.add(t);
            hits += approx.isEmpty() ? 0 : 1;
            Set<Long> exact = rowIds(ctx, column, key, false);
            Set<Long> both = new HashSet<>(approx);
            both.retainAll(exact);
            recallSum += exact.isEmpty() ? 1.0 : (double) both.size() / exact.size();
        }
        int n = nanos.size();
        return new Measurement(name(), null, LatencyStats.ofNanos(nanos), hits, n == 0 ? null : recallSum / n,
                Map.of("k", K, "column", column, "recallAgainst", "brute force (useIndex=false)"));
    }

    private static Set<Long> rowIds(Context ctx, String column, float[] key, boolean useIndex) throws Exception {
        Query q = new Query.Builder().setColumn(column).setKey(key).setK(K).setUseIndex(useIndex).build();
        ScanOptions o = new ScanOptions.Builder().nearest(q).withRowId(true).columns(List.of()).build();
        Set<Long> out = new HashSet<>();
        try (LanceScanner sc = ctx.packages().newScan(o); ArrowReader r = sc.scanBatches()) {
            while (r.loadNextBatch()) {
                VectorSchemaRoot root = r.getVectorSchemaRoot();
                FieldVector v = root.getVector("_rowid");
                for (int i = 0; i < root.getRowCount(); i++) {
                    out.add(v instanceof UInt8Vector u ? u.get(i) : ((BigIntVector) v).get(i));
                }
            }
        }
        return out;
    }

    private static List<float[]> sampleVectors(Context ctx, String column, int n) throws Exception {
        List<float[]> out = new ArrayList<>();
        ScanOptions o = new ScanOptions.Builder().columns(List.of(column)).limit(n).build();
        try (LanceScanner sc = ctx.packages().newScan(o); ArrowReader r = sc.scanBatches()) {
            while (r.loadNextBatch() && out.size() < n) {
                VectorSchemaRoot root = r.getVectorSchemaRoot();
                FixedSizeListVector v = (FixedSizeListVector) root.getVector(column);
                Float4Vector data = (Float4Vector) v.getDataVector();
                int dim = v.getListSize();
                for (int i = 0; i < root.getRowCount() && out.size() < n; i++) {
                    if (v.isNull(i)) {
                        continue;
                    }
                    float[] f = new float[dim];
                    for (int d = 0; d < dim; d++) {
                        f[d] = data.get(i * dim + d);
                    }
                    out.add(f);
                }
            }
        }
        return out;
    }
}
