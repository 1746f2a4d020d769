package reconciler.bench.scale;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import reconciler.graph.Failpoints;
import reconciler.graph.Graph;
import reconciler.graph.GraphSession;
import reconciler.graph.GraphTransaction;
import reconciler.leases.LeaseManager;
import reconciler.manifest.Manifest;
import reconciler.storage.ArrowRows;
import reconciler.storage.LanceTables;

/**
 * The writers of a recovery storm, in one child JVM the benchmark SIGKILLs: for every graph root
 * and every table of it one writer thread appends a row through the graph library, and halts at the
 * {@code after-commit:1} failpoint (paused until a file that never appears: leases held, sidecar
 * written, Lance commit landed, manifest not published). Prints {@code PAUSED} once per writer (the
 * failpoint's line) so the benchmark knows when all of them are there.
 *
 * <p>Arguments: ZooKeeper connect string, then the graph roots.
 */
public final class StormWriter {
    private StormWriter() {
    }

    /** Starts the writers and waits for ever (the benchmark SIGKILLs this process). @param args connect string, then roots */
    public static void main(String[] args) throws Exception {
        String connect = args[0];
        Path never = Path.of(System.getProperty("java.io.tmpdir"), "storm-never-" + ProcessHandle.current().pid());
        LeaseManager leases = new LeaseManager(connect, Duration.ofSeconds(2), Duration.ofSeconds(30));
        List<Thread> threads = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            Graph g = Graph.local(Path.of(args[i]));
            Manifest m = g.manifests().require();
            for (String table : m.tables().keySet()) {
                GraphSession.Options o = GraphSession.Options.defaults().withZookeeper(connect)
                        .withFailpoints(new Failpoints("after-commit:1", 1, never));
                GraphSession s = GraphSession.over(g, leases, o);
                Thread t = new Thread(() -> {
                    try (GraphTransaction tx = s.begin("storm")) {
                        tx.append(table, ArrowRows.reader(g.tables().allocator(), LanceTables.arrowSchema(m.pin(table).columns()),
                                List.of(Map.of("name", "row-of-" + table)), 16));
                        tx.commit(); // pauses for ever after the Lance commit
                    } catch (Exception e) {
                        System.err.println("WRITER FAILED " + table + " " + e);
                    }
                }, "storm-" + i + "-" + table);
                threads.add(t);
                t.start();
            }
        }
        for (Thread t : threads) {
            t.join(); // until the benchmark kills this process
        }
    }
}
