package reconciler.bench.harness;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.lance.ipc.ScanOptions;
import reconciler.client.MaintenanceState;

/**
 * Point lookup by package name: {@code name = '<name>'} as a filtered Lance scan of
 * {@code node:Package} at the pinned version (served by a BTREE index on {@code name} when one
 * exists, a full scan otherwise). Every key is a loaded package, so every query must hit.
 */
public final class PointLookup implements Workload {

    @Override
    public String name() {
        return "point-lookup";
    }

    @Override
    public String skipReason(MaintenanceState state) {
        return null;
    }

    @Override
    public Measurement run(Context ctx) throws Exception {
        Random rnd = new Random(ctx.seed());
        Scans.Timed timed = Scans.timeQueries(ctx, () -> {
            String name = ctx.names().get(rnd.nextInt(ctx.names().size()));
            return new ScanOptions.Builder().filter("name = " + Scans.literal(name)).columns(List.of("name", "version")).build();
        });
        JsonIndex idx = JsonIndex.of(ctx.state(), "name");
        return new Measurement(name(), null, LatencyStats.ofNanos(timed.nanos()), timed.hits(), null,
                Map.of("filter", "name = <package>", "index", idx == null ? "none (full scan)" : idx.describe()));
    }

    /** The index on a column of node:Package as the state reports it (declared or not). */
    record JsonIndex(String name, String type, double coverage, boolean declared) {
        static JsonIndex of(MaintenanceState s, String column) {
            for (var t : s.raw().path("tables")) {
                if (!t.path("table").asText().equals(ThreePhaseBench.PACKAGE)) {
                    continue;
                }
                for (var i : t.path("indexes")) {
                    if (column.equals(i.path("column").asText(null)) || i.path("name").asText().startsWith(column + "_")) {
                        return new JsonIndex(i.path("name").asText(), i.path("type").asText(), i.path("coverage").asDouble(),
                                i.path("declared").asBoolean());
                    }
                }
            }
            return null;
        }

        String describe() {
            return name + " (" + type + ", coverage " + Math.round(coverage * 1000) / 10.0 + "%" + (declared ? "" : ", undeclared") + ")";
        }
    }
}
