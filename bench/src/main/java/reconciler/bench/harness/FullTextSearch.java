package reconciler.bench.harness;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.lance.ipc.FullTextQuery;
import org.lance.ipc.ScanOptions;
import reconciler.client.MaintenanceState;

/**
 * Full-text search on {@code node:Package.description}: a Lance {@code match} query for a word
 * taken from the loaded descriptions, top 10. Runs only when the maintenance state shows a
 * declared INVERTED index on that column (the indexer's catalog); Lance would answer without one
 * (flat search), but those numbers would describe no maintained configuration.
 */
public final class FullTextSearch implements Workload {

    static final String COLUMN = "description";

    @Override
    public String name() {
        return "full-text";
    }

    @Override
    public String skipReason(MaintenanceState state) {
        return state.declaredIndex(ThreePhaseBench.PACKAGE, COLUMN, "INVERTED") == null
                ? "no INVERTED index on node:Package.description is declared (the indexer's catalog); plugs in when one is" : null;
    }

    @Override
    public Measurement run(Context ctx) throws Exception {
        if (ctx.terms().isEmpty()) {
            return Measurement.skipped(name(), "no description words loaded");
        }
        Random rnd = new Random(ctx.seed() + 1);
        Scans.Timed timed = Scans.timeQueries(ctx, () -> {
            String term = ctx.terms().get(rnd.nextInt(ctx.terms().size()));
            return new ScanOptions.Builder().fullTextQuery(FullTextQuery.match(term, COLUMN)).columns(List.of("name")).limit(10).build();
        });
        JsonNode idx = ctx.state().declaredIndex(ThreePhaseBench.PACKAGE, COLUMN, "INVERTED");
        return new Measurement(name(), null, LatencyStats.ofNanos(timed.nanos()), timed.hits(), null,
                Map.of("query", "match(<word>, description) limit 10", "index", idx == null ? "none" : idx.path("name").asText()));
    }
}
