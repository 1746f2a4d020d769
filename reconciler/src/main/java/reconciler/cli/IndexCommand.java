package reconciler.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import reconciler.indexer.CatalogResult;
import reconciler.indexer.CommitStatus;
import reconciler.indexer.ConvergeReport;
import reconciler.indexer.GraphCoverage;
import reconciler.indexer.IndexAction;
import reconciler.indexer.IndexCoverage;
import reconciler.indexer.IndexFailpoints;
import reconciler.indexer.IndexMaintenance;
import reconciler.indexer.IndexSpecs;
import reconciler.indexer.MaintenanceOptions;
import reconciler.indexer.TableCoverage;
import reconciler.manifest.IndexSpec;
import reconciler.manifest.Manifest;
import reconciler.manifest.TablePin;
import reconciler.graph.Graph;

/**
 * {@code reconciler graph index add|drop|list|coverage|converge} (docs/indexes.md). Exit codes as
 * everywhere: 0 done / converged, 1 not converged, 2 usage (an invalid declaration), 3 refused (a
 * pending sidecar covers the table, lease busy, recovery required), 4 storage or ZooKeeper failure.
 */
@Command(name = "index", mixinStandardHelpOptions = true, description = "The catalog of declared indexes and their coverage: add, drop, list, coverage, converge.",
        subcommands = {IndexCommand.Add.class, IndexCommand.Drop.class, IndexCommand.ListCmd.class, IndexCommand.Coverage.class,
                IndexCommand.Converge.class})
final class IndexCommand extends CommandGroup {

    /** Options shared by the commands that build or commit (with a {@link LeasedGraph} for {@code --lease-timeout}). */
    static final class BuildOptions {
        @Option(names = "--max-parallel", defaultValue = "2", description = "index builds at once (default ${DEFAULT-VALUE})")
        int maxParallel;

        @Option(names = "--segment-rows", defaultValue = "1000000", description = "rows per staged segment, the unit of progress (default ${DEFAULT-VALUE})")
        long segmentRows;

        MaintenanceOptions options() {
            return MaintenanceOptions.defaults().maxParallelBuilds(maxParallel).segmentRows(segmentRows).failpoints(IndexFailpoints.fromEnvironment());
        }
    }

    private static int printCatalog(CatalogResult r) {
        System.out.println(r.status() + " " + r.message());
        return catalogExit(r);
    }

    static int catalogExit(CatalogResult r) {
        return switch (r.status()) {
            case PUBLISHED, UNCHANGED -> r.lanceDrop() == null || r.lanceDrop() == CommitStatus.COMMITTED
                    || r.lanceDrop() == CommitStatus.SKIPPED ? Main.OK : Main.REFUSED;
            case REFUSED, BUSY -> Main.REFUSED;
            case FAILED -> Main.FAILURE;
        };
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = {"Declare (or redefine) an index in TABLE's catalog: a catalog-only manifest publish under the table's lease.",
            "Types: BTREE, BITMAP, INVERTED (full text), IVF_PQ, IVF_HNSW_SQ. Parameters define the index (a change means a rebuild);",
            "options are build knobs. Example: graph index add G node:Package embedding_ivfpq --column embedding --type IVF_PQ",
            "  --param distance=l2 --param num_partitions=16 --option max_iters=10"})
    static final class Add implements Callable<Integer> {
        @Mixin
        LeasedGraph graph;

        @Parameters(index = "1", paramLabel = "TABLE", description = "table key, e.g. node:Package")
        String table;

        @Parameters(index = "2", paramLabel = "NAME", description = "index name")
        String name;

        @Option(names = "--column", required = true, description = "indexed column")
        String column;

        @Option(names = "--type", required = true, description = "BTREE, BITMAP, INVERTED, IVF_PQ or IVF_HNSW_SQ")
        String type;

        @Option(names = "--param", paramLabel = "KEY=VALUE", description = "defining parameter (repeatable)")
        List<String> params = new ArrayList<>();

        @Option(names = "--option", paramLabel = "KEY=VALUE", description = "build option (repeatable)")
        List<String> options = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            IndexSpec spec;
            try {
                spec = new IndexSpec(name, List.of(column), type.toUpperCase(java.util.Locale.ROOT), IndexSpecs.parsePairs(params),
                        IndexSpecs.parsePairs(options), 0);
            } catch (IllegalArgumentException e) {
                System.err.println("error: " + e.getMessage());
                return Main.USAGE;
            }
            return graph.withMaintenance(MaintenanceOptions::defaults, (g, leases, im) -> printCatalog(im.addIndex(g, leases, table, spec)));
        }
    }

    @Command(name = "drop", mixinStandardHelpOptions = true, description = {"Remove an index from TABLE's catalog (catalog-only publish), then drop the Lance index at the pin",
            "with a sidecar-protected index-drop operation. Idempotent."})
    static final class Drop implements Callable<Integer> {
        @Mixin
        LeasedGraph graph;

        @Parameters(index = "1", paramLabel = "TABLE")
        String table;

        @Parameters(index = "2", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws Exception {
            return graph.withMaintenance(() -> MaintenanceOptions.defaults().failpoints(IndexFailpoints.fromEnvironment()),
                    (g, leases, im) -> printCatalog(im.dropIndex(g, leases, table, name)));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The catalog at the latest manifest: every declared index with its parameters.")
    static final class ListCmd implements Callable<Integer> {
        @Mixin
        GraphTarget graph;

        @Option(names = "--json", description = "print JSON (table key -> declared indexes)")
        boolean json;

        @Override
        public Integer call() throws Exception {
            try (Graph g = graph.open()) {
                Manifest m = g.manifests().require();
                Map<String, List<IndexSpec>> catalog = new java.util.TreeMap<>();
                m.tables().forEach((t, p) -> catalog.put(t, p.indexes()));
                JsonOutput.print(json, catalog, () -> {
                    System.out.printf("graph %s catalog at manifest v%d%n", m.graphId(), m.version());
                    for (Map.Entry<String, TablePin> e : m.tables().entrySet()) {
                        for (IndexSpec s : e.getValue().indexes()) {
                            System.out.printf("  %-20s %-20s %-12s %-14s params=%s options=%s declaredAt=%d%n", e.getKey(), s.name(), s.type(),
                                    s.columns(), s.params(), s.options(), s.declaredAt());
                        }
                    }
                });
                return Main.OK;
            }
        }
    }

    static void print(PrintStream out, GraphCoverage c) {
        out.printf("graph %s index coverage at manifest v%d: %s%n", c.graphId(), c.manifestVersion(), c.converged() ? "converged" : "NOT converged");
        out.printf("  %-20s %-20s %-12s %-12s %10s %10s %8s %5s  %s%n", "table", "index", "type", "state", "indexed", "rows", "coverage", "segs", "detail");
        for (TableCoverage t : c.tables()) {
            if (t.error() != null) {
                out.printf("  %-20s ERROR %s%n", t.table(), t.error());
            }
            for (IndexCoverage i : t.indexes()) {
                out.printf("  %-20s %-20s %-12s %-12s %10d %10d %7.1f%% %5d  %s%s%n", i.table(), i.index(), i.type(), i.state(), i.rowsIndexed(),
                        i.rowsTotal(), i.coverage() * 100, i.segments(), i.detail(), i.building() == null ? "" : " [" + i.building().line() + "]");
            }
        }
    }

    @Command(name = "coverage", mixinStandardHelpOptions = true, description = {"Index coverage at every table's pin, from Lance metadata (no scans, no leases).",
            "Exit 0 if every declared index is fully covered, 1 if not."})
    static final class Coverage implements Callable<Integer> {
        @Mixin
        GraphTarget graph;

        @Option(names = "--json", description = "print JSON (field names: docs/indexes.md)")
        boolean json;

        @Override
        public Integer call() throws Exception {
            try (Graph g = graph.open(); IndexMaintenance im = new IndexMaintenance()) {
                GraphCoverage c = im.coverage(g);
                JsonOutput.print(json, c, () -> print(System.out, c));
                return c.converged() ? Main.OK : Main.NOT_CONVERGED;
            }
        }
    }

    @Command(name = "converge", mixinStandardHelpOptions = true, description = {"One converge round now: staged builds outside the lease, commit + publish under it",
            "(index-build sidecar). Exit 0 converged, 1 not (e.g. rows appended meanwhile, too few rows to train), 3 recovery required."})
    static final class Converge implements Callable<Integer> {
        @Mixin
        BuildOptions build;

        @Mixin
        LeasedGraph graph;

        @Mixin
        JsonOutput out;

        @Override
        public Integer call() throws Exception {
            return graph.withMaintenance(build::options, (g, leases, im) -> {
                ConvergeReport r = im.converge(g, leases);
                out.print(r, () -> {
                    for (IndexAction a : r.actions()) {
                        System.out.printf("%s %s on %s: %s (%d rows, %d fragments, %d segments, build %d ms) %s%n", a.mode(), a.index(), a.table(),
                                a.status(), a.rows(), a.fragments(), a.segments(), a.buildMillis(), a.message());
                    }
                    print(System.out, r.after());
                });
                return r.recoveryRequired() ? Main.REFUSED : r.converged() ? Main.OK : Main.NOT_CONVERGED;
            });
        }
    }
}
