package reconciler.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import reconciler.graph.CommitWindow;
import reconciler.graph.Failpoints;
import reconciler.graph.Graph;
import reconciler.graph.GraphBranches;
import reconciler.graph.GraphSession;
import reconciler.graph.GraphTransaction;
import reconciler.leases.EmbeddedZooKeeper;
import reconciler.storage.ArrowRows;
import reconciler.storage.ArrowTypes;
import reconciler.bench.harness.WorkDir;

/**
 * Graph branch costs (issue 13): branch create (ms, files), the first-touch fork of one table (ms, files),
 * and the merge of a branch that changed 1 % of one table into main, on a graph shaped like the Debian one
 * (a package table of {@code --rows} rows and three more tables), median of {@code --reps} rounds.
 */
@Command(name = "branches", mixinStandardHelpOptions = true, description = "graph branches: create, first-touch fork, merge of a 1 %% change")
final class BranchBench implements Callable<Integer> {

    @Option(names = "--rows", defaultValue = "63000", description = "rows of node:Package (default ${DEFAULT-VALUE}, about the Debian archive)")
    int rows;

    @Option(names = "--reps", defaultValue = "5", description = "rounds (default ${DEFAULT-VALUE})")
    int reps;

    static final Schema PKG = new Schema(List.of(ArrowTypes.field("id", "int64 not null"), ArrowTypes.field("name", "utf8"),
            ArrowTypes.field("section", "utf8"), ArrowTypes.field("description", "utf8")));
    static final Schema EDGE = new Schema(List.of(ArrowTypes.field("src", "int64"), ArrowTypes.field("dst", "int64")));

    ArrowReader packages(GraphSession g, long from, int n) {
        List<Map<String, Object>> out = new ArrayList<>(n);
        for (long i = from; i < from + n; i++) {
            out.add(Map.of("id", i, "name", "pkg-" + i, "section", "sec-" + (i % 50), "description", "package number " + i + " of the bench"));
        }
        return ArrowRows.reader(g.graph().tables().allocator(), PKG, out, 8192);
    }

    static long files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    @Override
    public Integer call() throws Exception {
        List<Double> createMs = new ArrayList<>();
        List<Double> forkMs = new ArrayList<>();
        List<Double> mergeMs = new ArrayList<>();
        long createFiles = 0;
        long forkFiles = 0;
        int changed = Math.max(1, rows / 100);
        try (WorkDir.Scope work = WorkDir.temporary("branches");
             EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(work.path().resolve("zk"), 0, 100);
             GraphSession g = GraphSession.open(work.path().resolve("g").toString(), GraphSession.Options.defaults()
                     .withZookeeper(zk.connectString()).withLeaseTimeout(Duration.ofSeconds(30)))) {
            Path root = work.path().resolve("g");
            g.init("bench", Map.of("node:Package", PKG, "node:Maintainer", PKG, "edge:DependsOn", EDGE, "edge:MaintainedBy", EDGE));
            try (GraphTransaction tx = g.begin("bench")) {
                tx.append("node:Package", packages(g, 0, rows));
                tx.commit();
            }
            long next = rows;
            GraphBranches branches = g.branches();
            for (int r = 0; r < reps; r++) {
                String name = "b" + r;
                long f0 = files(root);
                long t0 = System.nanoTime();
                branches.create(name, "main", null);
                createMs.add((System.nanoTime() - t0) / 1e6);
                createFiles = files(root) - f0;

                Graph view = g.graph().onBranch(name);
                long f1 = files(root);
                long t1 = System.nanoTime();
                new CommitWindow(view, g.leases(), Duration.ofSeconds(30), Failpoints.none()).fork("bench", "node:Package");
                forkMs.add((System.nanoTime() - t1) / 1e6);
                forkFiles = files(root) - f1;

                try (GraphTransaction tx = g.begin("bench", name)) {
                    tx.append("node:Package", packages(g, next, changed));
                    tx.commit();
                }
                next += changed;
                long t2 = System.nanoTime();
                GraphBranches.Merged m = branches.merge(name, "main");
                mergeMs.add((System.nanoTime() - t2) / 1e6);
                if (!m.tables().equals(List.of("node:Package"))) {
                    throw new IllegalStateException("merge took " + m.tables());
                }
                branches.delete(name, false);
            }
            System.out.printf("graph: node:Package %d rows (+ three empty tables), %d rounds, 1 %% = %d rows appended on the branch%n",
                    rows, reps, changed);
            System.out.printf("%-34s %10s %10s %8s%n", "step", "ms p50", "ms max", "files");
            print("branch create", createMs, createFiles);
            print("first-touch fork of node:Package", forkMs, forkFiles);
            print("merge (1 % of node:Package)", mergeMs, -1);
            System.out.println("merge rewrites the taken table (an overwrite with the branch's rows): its cost follows the table's size, not the change");
        }
        return 0;
    }

    private static void print(String step, List<Double> ms, long files) {
        List<Double> sorted = new ArrayList<>(ms);
        java.util.Collections.sort(sorted);
        System.out.printf("%-34s %10.1f %10.1f %8s%n", step, Bench.median(new ArrayList<>(ms)), sorted.get(sorted.size() - 1),
                files < 0 ? "-" : Long.toString(files));
    }
}
