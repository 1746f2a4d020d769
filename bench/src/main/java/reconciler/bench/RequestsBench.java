package reconciler.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.arrow.memory.RootAllocator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import reconciler.core.AuditLog;
import reconciler.core.ReconcilePass;
import reconciler.core.Recoverer;
import reconciler.graph.Graph;
import reconciler.leases.EmbeddedZooKeeper;
import reconciler.leases.LeaseManager;
import reconciler.storage.CountingGraphStore;
import reconciler.storage.FaultyHttpProxy;
import reconciler.storage.LanceTables;
import reconciler.storage.StorageStats;
import reconciler.storage.TableKey;
import reconciler.writer.DebianImport;
import reconciler.bench.harness.WorkDir;

/**
 * Storage requests of one idle reconcile pass (the safety poll's cost per graph) over the 4-table
 * Debian graph, on a local directory and on S3 (s3proxy behind a counting HTTP proxy, so Lance's own
 * requests are counted too), beside what reading one table's HEAD through a Lance dataset open costs
 * (how every pass read HEADs before: once per table).
 */
@Command(name = "requests", mixinStandardHelpOptions = true,
        description = "Storage requests per idle reconcile pass per graph (local vs s3, Lance's own HTTP requests counted on s3).")
final class RequestsBench implements Callable<Integer> {

    /** Goal of issue 16: storage requests per idle graph per safety poll. */
    static final double GOAL = 3;

    @Option(names = "--passes", defaultValue = "20", description = "measured passes per backend (after one warm-up pass)")
    int passes;

    @Override
    public Integer call() throws Exception {
        System.out.printf("%-8s %-34s %10s %10s %8s  %s%n", "backend", "what (4-table graph)", "store req", "HTTP req", "goal", "by operation");
        for (String backend : List.of("local", "s3")) {
            try (WorkDir.Scope work = WorkDir.temporary("requests");
                 EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(work.path().resolve("zk"), 0, 500);
                 BenchBackend b = BenchBackend.startCounted(backend, work.path());
                 LeaseManager leases = new LeaseManager(zk.connectString(), Duration.ofSeconds(10), Duration.ofSeconds(10))) {
                String root = b.root("idle");
                try (Graph g = b.open(root)) {
                    g.init("idle", DebianImport.schema());
                    ReconcilePass pass = new ReconcilePass(new Recoverer(leases, new AuditLog(null), Duration.ofSeconds(5)));
                    Graph counted = g.store() instanceof CountingGraphStore ? g : new Graph(new CountingGraphStore(g.store()));
                    pass.run(counted);
                    Measure m = Measure.start(b);
                    for (int i = 0; i < passes; i++) {
                        pass.run(counted);
                    }
                    m.print(backend, "idle reconcile pass (safety poll)", passes, GOAL);
                    List<String> tables = List.copyOf(g.manifests().require().tables().keySet());
                    try (RootAllocator alloc = new RootAllocator()) {
                        Measure o = Measure.start(b);
                        for (int i = 0; i < passes; i++) {
                            for (String t : tables) {
                                try (var ds = LanceTables.open(counted.store(), alloc, TableKey.parse(t), null)) {
                                    ds.latestVersion();
                                }
                            }
                        }
                        o.print(backend, "4 HEADs via Dataset.open (before)", passes, Double.NaN);
                    }
                }
            }
        }
        System.out.println("store req: GraphStore requests and Lance dataset opens (lance.open); HTTP req: every request the");
        System.out.println("S3 server saw (AWS SDK = the graph store; object_store = Lance). An idle pass lists _manifest/ after the");
        System.out.println("cached version, lists _recovery/, and lists each table's _versions/ (V2 names sort newest first: 1 request);");
        System.out.println("the floor for T tables is 2 + T (every table's HEAD must be read to see uncovered drift).");
        return 0;
    }

    /** Counts between {@link #start} and {@link #print}. */
    record Measure(BenchBackend backend, Map<String, Long> before) {
        static Measure start(BenchBackend b) {
            b.resetHttp();
            return new Measure(b, StorageStats.snapshot());
        }

        void print(String name, String what, int passes, double goal) {
            Map<String, Long> after = StorageStats.snapshot();
            StringBuilder by = new StringBuilder();
            long total = 0;
            for (String op : after.keySet()) {
                long d = after.get(op) - before.getOrDefault(op, 0L);
                if (d > 0) {
                    by.append(op).append('=').append(String.format("%.1f", d / (double) passes)).append(' ');
                    total += d;
                }
            }
            List<FaultyHttpProxy.Request> http = backend.httpRequests();
            long sdk = http.stream().filter(r -> r.userAgent().toLowerCase().contains("aws-sdk")).count();
            String httpCol = name.equals("s3") ? String.format("%.1f", http.size() / (double) passes) : "-";
            if (name.equals("s3")) {
                by.append(String.format("| HTTP: aws-sdk=%.1f object_store=%.1f", sdk / (double) passes, (http.size() - sdk) / (double) passes));
            }
            System.out.printf("%-8s %-34s %10.1f %10s %8s  %s%n", name, what, total / (double) passes, httpCol,
                    Double.isNaN(goal) ? "-" : String.format("<= %.0f", goal), by);
        }
    }
}
