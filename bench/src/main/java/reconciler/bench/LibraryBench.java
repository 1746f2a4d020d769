package reconciler.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.lance.Dataset;
import org.lance.ipc.LanceScanner;
import org.lance.ipc.ScanOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import reconciler.graph.GraphSession;
import reconciler.graph.GraphSnapshot;
import reconciler.graph.GraphTransaction;
import reconciler.graph.ScanResult;
import reconciler.leases.EmbeddedZooKeeper;
import reconciler.storage.ArrowRows;
import reconciler.storage.ArrowTypes;
import reconciler.storage.LanceTables;
import reconciler.storage.LocalGraphStore;
import reconciler.storage.StagedWrite;
import reconciler.storage.TableKey;
import reconciler.bench.harness.WorkDir;

/**
 * The graph library's protocol overhead (issue 11): time per operation appending the same rows to
 * two tables with {@link GraphTransaction} (leases, sidecar, properties, manifest publish, sidecar
 * delete) ÷ the same staged appends committed with bare lance-java, alternating in one run; and a
 * filtered scan through {@link GraphSnapshot} ÷ the same scan on datasets opened at the same
 * versions.
 */
@Command(name = "library", mixinStandardHelpOptions = true, description = "graph library overhead: writes and snapshot reads vs bare lance-java")
final class LibraryBench implements Callable<Integer> {

    @Option(names = "--sizes", split = ",", defaultValue = "1,10000,100000", description = "rows per table per operation (default ${DEFAULT-VALUE})")
    List<Integer> sizes;

    @Option(names = "--ops", defaultValue = "20", description = "operations per size and side after warm-up (default ${DEFAULT-VALUE}; 100k rows use a quarter)")
    int ops;

    @Option(names = "--reads", defaultValue = "30", description = "scans per side (default ${DEFAULT-VALUE})")
    int reads;

    static final Schema A = new Schema(List.of(ArrowTypes.field("id", "int64"), ArrowTypes.field("name", "utf8"), ArrowTypes.field("score", "float64")));
    static final Schema B = new Schema(List.of(ArrowTypes.field("src", "int64"), ArrowTypes.field("dst", "int64")));

    @Override
    public Integer call() throws Exception {
        try (WorkDir.Scope work = WorkDir.temporary("library");
             EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(work.path().resolve("zk"), 0, 100);
             GraphSession lib = GraphSession.open(work.path().resolve("lib").toString(), GraphSession.Options.defaults()
                     .withZookeeper(zk.connectString()).withLeaseTimeout(Duration.ofSeconds(30)));
             LanceTables bare = new LanceTables(new LocalGraphStore(work.path().resolve("bare")))) {
            lib.init("bench", Map.of("node:A", A, "edge:B", B));
            bare.createIfAbsent(TableKey.parse("node:A"), A);
            bare.createIfAbsent(TableKey.parse("edge:B"), B);
            System.out.printf("%-10s %6s %14s %14s %8s   %s%n", "rows/table", "ops", "library ms p50", "bare ms p50", "ratio", "goal");
            long next = 0;
            for (int size : sizes) {
                int n = size >= 100_000 ? Math.max(3, ops / 4) : ops;
                List<Double> libMs = new ArrayList<>();
                List<Double> bareMs = new ArrayList<>();
                for (int i = -2; i < n; i++) { // two warm-up rounds
                    long t0 = System.nanoTime();
                    try (GraphTransaction tx = lib.begin("bench")) {
                        tx.append("node:A", rowsA(lib, next, size));
                        tx.append("edge:B", rowsB(lib, next, size));
                        tx.commit();
                    }
                    long t1 = System.nanoTime();
                    for (String t : List.of("edge:B", "node:A")) {
                        TableKey k = TableKey.parse(t);
                        try (ArrowReader r = t.equals("node:A") ? rowsA(lib, next, size) : rowsB(lib, next, size)) {
                            StagedWrite w = bare.writes().stageAppend(k, t.equals("node:A") ? columns(A) : columns(B), r);
                            bare.commit(k, w, bare.headVersion(k), Map.of());
                        }
                    }
                    long t2 = System.nanoTime();
                    next += size;
                    if (i >= 0) {
                        libMs.add((t1 - t0) / 1e6);
                        bareMs.add((t2 - t1) / 1e6);
                    }
                }
                double l = Bench.median(libMs);
                double b = Bench.median(bareMs);
                System.out.printf("%-10d %6d %14.1f %14.1f %8.2f   %s%n", size, n, l, b, l / b, size == 10_000 ? "<= 1.10" : "(reported)");
            }
            List<Double> snapMs = new ArrayList<>();
            List<Double> bareRead = new ArrayList<>();
            String filter = "score > 1000.0 AND score < 60000.0";
            long libRows = 0;
            long bareRows = 0;
            try (GraphSnapshot snap = lib.snapshot()) {
                long pin = snap.manifest().pin("node:A").version();
                try (Dataset ds = bare.openAt(TableKey.parse("node:A"), bare.headVersion(TableKey.parse("node:A")))) {
                    for (int i = -3; i < reads; i++) {
                        long t0 = System.nanoTime();
                        try (ScanResult r = snap.scan("node:A", List.of("id", "name"), filter, 0)) {
                            libRows = r.countRemaining();
                        }
                        long t1 = System.nanoTime();
                        try (LanceScanner s = ds.newScan(new ScanOptions.Builder().columns(List.of("id", "name")).filter(filter).build());
                             ArrowReader r = s.scanBatches()) {
                            long c = 0;
                            while (r.loadNextBatch()) {
                                c += r.getVectorSchemaRoot().getRowCount();
                            }
                            bareRows = c;
                        }
                        long t2 = System.nanoTime();
                        if (i >= 0) {
                            snapMs.add((t1 - t0) / 1e6);
                            bareRead.add((t2 - t1) / 1e6);
                        }
                    }
                }
                double l = Bench.median(snapMs);
                double b = Bench.median(bareRead);
                System.out.printf("%nfiltered scan of node:A (%d rows match; bare %d) at manifest v%d (pin %d), %d scans per side:%n", libRows, bareRows,
                        snap.version(), pin, reads);
                System.out.printf("  GraphSnapshot p50 %.2f ms, bare lance-java p50 %.2f ms, ratio %.3f (goal <= 1.05)%n", l, b, l / b);
            }
        }
        return 0;
    }

    static List<reconciler.storage.ColumnSpec> columns(Schema s) {
        return s.getFields().stream().map(reconciler.storage.ColumnSpec::of).toList();
    }

    static ArrowReader rowsA(GraphSession g, long from, int n) {
        List<Map<String, Object>> rows = new ArrayList<>(n);
        for (long i = from; i < from + n; i++) {
            rows.add(Map.of("id", i, "name", "name-" + i, "score", (double) (i % 100_000)));
        }
        return ArrowRows.reader(g.graph().tables().allocator(), A, rows, 8192);
    }

    static ArrowReader rowsB(GraphSession g, long from, int n) {
        List<Map<String, Object>> rows = new ArrayList<>(n);
        for (long i = from; i < from + n; i++) {
            rows.add(Map.of("src", i, "dst", i + 1));
        }
        return ArrowRows.reader(g.graph().tables().allocator(), B, rows, 8192);
    }
}
