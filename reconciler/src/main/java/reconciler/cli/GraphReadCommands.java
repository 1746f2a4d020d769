package reconciler.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.util.Text;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import reconciler.graph.Graph;
import reconciler.graph.GraphSnapshot;
import reconciler.graph.ScanResult;
import reconciler.manifest.TablePin;
import reconciler.storage.Json;

/** Reads at the manifest pins: {@code graph tables} and {@code graph scan} (docs/operations.md). */
final class GraphReadCommands {
    private GraphReadCommands() {
    }

    /**
     * The manifest version a read command reads at ({@code --version}, default the latest), as a
     * mixin; it replaces the standard {@code --help}/{@code --version} pair, since {@code --version}
     * names a manifest version here.
     */
    static final class AtVersion {
        @Option(names = "--version", paramLabel = "V", description = "manifest version (default: the latest)")
        Long version;

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit (--version here names a manifest version)")
        boolean help;

        @Spec(Spec.Target.MIXEE)
        CommandSpec spec;

        /** Opens the snapshot. @throws picocli.CommandLine.ParameterException (usage, exit 2) for a version the graph does not have */
        GraphSnapshot open(Graph g) throws java.io.IOException {
            if (version == null) {
                return g.snapshot();
            }
            try {
                return g.snapshot(version);
            } catch (IllegalArgumentException e) {
                throw Usage.error(spec, e.getMessage());
            }
        }
    }

    @Command(name = "tables", description = {"The graph's tables at a manifest version: pin, fencing token, columns, declared indexes.",
            "One JSON object per line: {\"table\", \"version\", \"fencingToken\", \"columns\": [{\"name\", \"type\"}], \"indexes\": [names]}."})
    static final class Tables implements Callable<Integer> {
        @Mixin
        GraphTarget graph;

        @Mixin
        AtVersion at;

        @Override
        public Integer call() throws Exception {
            try (Graph g = graph.open(); GraphSnapshot s = at.open(g)) {
                for (Map.Entry<String, TablePin> e : s.manifest().tables().entrySet()) {
                    Map<String, Object> line = new LinkedHashMap<>();
                    line.put("table", e.getKey());
                    line.put("version", e.getValue().version());
                    line.put("fencingToken", e.getValue().fencingToken());
                    line.put("columns", e.getValue().columns());
                    line.put("indexes", e.getValue().indexes().stream().map(i -> i.name()).toList());
                    System.out.println(Json.LINE.writeValueAsString(line));
                }
                return Main.OK;
            }
        }
    }

    @Command(name = "scan", description = {"Rows of TABLE at its pin (or at manifest version --version), as JSON lines, one object per row.",
            "Values are Arrow's Java values: strings, numbers, booleans, decimals as numbers, dates as days since 1970-01-01,",
            "timestamps as numbers in the column's unit, lists as arrays, structs as objects, binary as base64."})
    static final class Scan implements Callable<Integer> {
        @Mixin
        GraphTarget graph;

        @Parameters(index = "1", paramLabel = "TABLE", description = "table key, e.g. node:Package")
        String table;

        @Option(names = "--filter", paramLabel = "F", description = "a Lance SQL filter, e.g. \"section = 'games'\"")
        String filter;

        @Option(names = "--columns", paramLabel = "C", split = ",", description = "columns to print, comma-separated (default: all)")
        List<String> columns = new ArrayList<>();

        @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "at most N rows (default: all)")
        long limit;

        @Mixin
        AtVersion at;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Usage.atLeast(spec, "--limit", limit, 0);
            try (Graph g = graph.open(); GraphSnapshot s = at.open(g)) {
                if (!s.tables().contains(table)) {
                    throw Usage.error(spec, "graph " + s.manifest().graphId() + " has no table " + table + " at manifest v" + s.version()
                            + " (tables: " + String.join(", ", s.tables()) + ")");
                }
                ScanResult r;
                try {
                    r = s.scan(table, columns, filter, limit);
                } catch (IllegalArgumentException e) {
                    throw Usage.error(spec, e.getMessage());
                }
                try (r) {
                    print(System.out, r);
                }
                return Main.OK;
            }
        }

        static void print(PrintStream out, ScanResult r) throws Exception {
            while (r.loadNextBatch()) {
                VectorSchemaRoot root = r.getVectorSchemaRoot();
                for (int i = 0; i < root.getRowCount(); i++) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (FieldVector v : root.getFieldVectors()) {
                        Object o = v.getObject(i);
                        row.put(v.getName(), o instanceof Text t ? t.toString() : o);
                    }
                    out.println(Json.LINE.writeValueAsString(row));
                }
            }
        }
    }
}
