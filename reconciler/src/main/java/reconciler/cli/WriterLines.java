package reconciler.cli;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The reference writer's output lines (a contract, docs/operations.md): written by
 * {@code graph import-debian} and the chaos loop's writer ({@code reconciler.bench.chaos.ChaosWriter}),
 * read back by the demo, the integration tests and the chaos loop.
 * {@code PLAN op=<ulid> label=<label> rows=<table>=<n>,...} before an operation,
 * {@code ACK op=<ulid> manifest=v<N>} once it is published. Lines may carry a prefix
 * (e.g. {@code [writer 2] }); it is skipped.
 */
public final class WriterLines {
    private WriterLines() {
    }

    private static final String PLAN = "PLAN op=";
    private static final String ACK = "ACK op=";

    /** The PLAN line of an operation ({@code rows}: table key → rows appended). */
    public static String plan(String operationId, String label, Map<String, Integer> rows) {
        return PLAN + operationId + " label=" + label + " rows="
                + rows.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    }

    /** The ACK line of an operation published as manifest version {@code manifestVersion}. */
    public static String ack(String operationId, long manifestVersion) {
        return ACK + operationId + " manifest=v" + manifestVersion;
    }

    /**
     * Planned operations and their row counts per table, in line order.
     *
     * @return operation id → (table key → rows)
     */
    public static Map<String, Map<String, Long>> planned(Collection<String> lines) {
        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
        for (String l : new ArrayList<>(lines)) {
            int i = l.indexOf(PLAN);
            if (i < 0) {
                continue;
            }
            String[] f = l.substring(i).split(" ");
            Map<String, Long> rows = new TreeMap<>();
            for (String kv : f[3].substring("rows=".length()).split(",")) {
                int eq = kv.lastIndexOf('=');
                rows.put(kv.substring(0, eq), Long.parseLong(kv.substring(eq + 1)));
            }
            out.put(f[1].substring("op=".length()), rows);
        }
        return out;
    }

    /** Acknowledged operation ids, in line order. */
    public static List<String> acked(Collection<String> lines) {
        List<String> out = new ArrayList<>();
        for (String l : new ArrayList<>(lines)) {
            int a = l.indexOf(ACK);
            if (a >= 0) {
                out.add(l.substring(a + ACK.length()).split(" ")[0]);
            }
        }
        return out;
    }
}
