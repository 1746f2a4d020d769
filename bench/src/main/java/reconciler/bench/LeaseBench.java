package reconciler.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.curator.test.TestingCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import reconciler.leases.EmbeddedZooKeeper;
import reconciler.leases.LeaseManager;
import reconciler.leases.LeaseSet;
import reconciler.bench.harness.WorkDir;

/**
 * Lease overhead of one writer operation (issue 16, "Lease cost"): acquire every table's lease
 * with its fencing token, then release, for 1 and 4 tables, on the embedded server and on a
 * 3-node ensemble, with the batched path ({@link LeaseManager#setBatching} true, the default:
 * three round trips to acquire and one to release, however many tables) and the one-table-at-a-time
 * path (a Curator mutex and a fencing-token transaction per table) interleaved cycle by cycle in
 * the same run, so both see the same machine load.
 */
@Command(name = "leases", description = "Lease cost of one operation (acquire + fencing tokens + release), 1 and 4 tables, "
        + "embedded server and 3-node ensemble, batched vs one table at a time, interleaved in one run.")
final class LeaseBench implements Callable<Integer> {
    private static final double GOAL_P99_MS = 10.0;
    private static final List<String> FOUR = List.of("edge:DependsOn", "node:Maintainer", "node:Package", "node:Section");

    @Option(names = "--cycles", defaultValue = "1000", description = "measured operations per cell (after 100 warm-up)")
    int cycles;

    @Option(names = "--ensemble", defaultValue = "true", negatable = true, description = "also measure a 3-node ensemble (TestingCluster)")
    boolean ensemble;

    @Override
    public Integer call() throws Exception {
        System.setProperty("zookeeper.admin.enableServer", "false");
        System.out.printf(Locale.ROOT, "lease cost per writer operation: acquire + fencing token(s) + release; %d cycles per cell after "
                + "100 warm-up; variants interleaved cycle by cycle; %d cores, load average %.1f at start%n", cycles,
                Runtime.getRuntime().availableProcessors(), java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.printf(Locale.ROOT, "%-42s %8s %8s %8s %8s   %s%n", "server, tables, path (ms)", "p50", "p90", "p99", "max", "goal");
        try (WorkDir.Scope work = WorkDir.temporary("leases"); EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(work.path().resolve("zk"), 0, 500)) {
            run("embedded", zk.connectString(), true);
        }
        if (ensemble) {
            try (TestingCluster cluster = new TestingCluster(3)) {
                cluster.start();
                run("3-node", cluster.getConnectString(), false);
            }
        }
        return 0;
    }

    private void run(String server, String connect, boolean goal) throws Exception {
        try (LeaseManager batched = new LeaseManager(connect, Duration.ofSeconds(10), Duration.ofSeconds(20));
             LeaseManager serial = new LeaseManager(connect, Duration.ofSeconds(10), Duration.ofSeconds(20))) {
            serial.setBatching(false);
            for (List<String> tables : List.of(List.of("node:Package"), FOUR)) {
                List<Double> b = new ArrayList<>();
                List<Double> s = new ArrayList<>();
                String graph = "bench-" + tables.size();
                for (int i = 0; i < cycles + 100; i++) {
                    boolean batchFirst = i % 2 == 0;
                    double x = once(batchFirst ? batched : serial, graph, tables);
                    double y = once(batchFirst ? serial : batched, graph, tables);
                    if (i >= 100) {
                        (batchFirst ? b : s).add(x);
                        (batchFirst ? s : b).add(y);
                    }
                }
                Collections.sort(b);
                Collections.sort(s);
                String t = tables.size() + (tables.size() == 1 ? " table" : " tables");
                row(server + ", " + t + ", one table at a time", s, "");
                String g = goal && tables.size() == 4
                        ? String.format(Locale.ROOT, "p99 <= %.0f ms: %s", GOAL_P99_MS, Bench.pct(b, 99) <= GOAL_P99_MS ? "met" : "NOT met") : "";
                row(server + ", " + t + ", batched (default)", b, g);
                System.out.printf(Locale.ROOT, "%-42s %8.2f %8.2f %8.2f   (batched / one at a time)%n", "  ratio", Bench.pct(b, 50) / Bench.pct(s, 50),
                        Bench.pct(b, 90) / Bench.pct(s, 90), Bench.pct(b, 99) / Bench.pct(s, 99));
            }
            // the floor: a batched operation is 3 write round trips (each a transaction-log fsync) and 1 read round trip
            List<Double> write = new ArrayList<>();
            List<Double> read = new ArrayList<>();
            String path = "/bench-floor";
            var c = batched.client();
            if (c.checkExists().forPath(path) == null) {
                c.create().forPath(path, new byte[1]);
            }
            for (int i = 0; i < cycles + 100; i++) {
                long t = System.nanoTime();
                c.setData().forPath(path, new byte[1]);
                long u = System.nanoTime();
                c.checkExists().forPath(path);
                long v = System.nanoTime();
                if (i >= 100) {
                    write.add((u - t) / 1e6);
                    read.add((v - u) / 1e6);
                }
            }
            Collections.sort(write);
            Collections.sort(read);
            row(server + ", floor: 1 write round trip", write, "");
            row(server + ", floor: 1 read round trip", read, "");
        }
    }

    private static double once(LeaseManager m, String graph, List<String> tables) throws Exception {
        long t = System.nanoTime();
        try (LeaseSet s = m.acquire(graph, "main", tables, Duration.ofSeconds(5))) {
            s.fencingTokens();
        }
        return (System.nanoTime() - t) / 1e6;
    }

    private static void row(String label, List<Double> sorted, String goal) {
        System.out.printf(Locale.ROOT, "%-42s %8.2f %8.2f %8.2f %8.2f   %s%n", label, Bench.pct(sorted, 50), Bench.pct(sorted, 90),
                Bench.pct(sorted, 99), Bench.pct(sorted, 100), goal);
    }
}
