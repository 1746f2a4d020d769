package reconciler.daemon;

import static reconciler.daemon.Conditions.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reconciler.graph.Graph;
import reconciler.leases.EmbeddedZooKeeper;
import reconciler.leases.LeaseManager;
import reconciler.leases.LeasePaths;
import reconciler.leases.LeaseSet;
import reconciler.manifest.Manifest;
import reconciler.sidecar.Sidecar;
import reconciler.writer.DebianImport;
import reconciler.writer.GraphWriter;

/**
 * Passes run on a bounded pool across graphs ({@code passThreads}, issue 16): with six graphs whose
 * sidecars' leases a live holder keeps, all six first passes wait for their leases at the same time
 * (the pool before ran at most four); within one graph the second sidecar is not touched
 * while the first waits, and they are recovered in order once the holder lets go. Real ZooKeeper,
 * real Lance tables, a real second lease holder.
 */
class PassPoolTest {

    static final int GRAPHS = 6;

    @Test
    void graphsArePassedConcurrentlyAndOneGraphsSidecarsInOrder(@TempDir Path dir) throws Exception {
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir.resolve("zk"), 0, 500);
             LeaseManager holder = new LeaseManager(zk.connectString(), Duration.ofSeconds(4), Duration.ofSeconds(10))) {
            List<String> roots = new ArrayList<>();
            List<LeaseSet> held = new ArrayList<>();
            String first = null;
            String second = null;
            for (int i = 0; i < GRAPHS; i++) {
                Path root = dir.resolve("g" + i);
                roots.add(root.toString());
                try (Graph g = Graph.local(root)) {
                    Manifest m = g.init("g" + i, DebianImport.schema());
                    LeaseSet lease = holder.acquire(m.graphId(), Graph.MAIN_BRANCH, List.of(DebianImport.PACKAGE), Duration.ofSeconds(10));
                    held.add(lease);
                    String op = sidecar(g, m, DebianImport.PACKAGE, lease.fencingToken(DebianImport.PACKAGE));
                    if (i == 0) { // a second sidecar, on a table nobody holds, written after the first (ULID order)
                        first = op;
                        second = sidecar(g, m, DebianImport.MAINTAINER, 1);
                    }
                }
            }
            ConfigBuilder b = Config.builder();
            b.graphs = roots;
            b.stateDir = dir.resolve("state").toString();
            b.auditLog = dir.resolve("audit.jsonl").toString();
            b.pollInterval = Duration.ofHours(1);
            b.events = false;
            b.indexes = false;
            b.leaseWait = Duration.ofSeconds(60);
            b.passThreads = GRAPHS;
            b.zookeeper.connect = zk.connectString();
            b.zookeeper.sessionTimeout = Duration.ofSeconds(4);
            try (Daemon d = new Daemon(b.build())) {
                d.start();
                // every graph's first pass waits for its held lease at once: a lock node of the daemon beside the holder's
                await(() -> {
                    for (int i = 0; i < GRAPHS; i++) {
                        if (lockNodes(holder, "g" + i, DebianImport.PACKAGE) < 2) {
                            return false;
                        }
                    }
                    return true;
                }, Duration.ofSeconds(60), GRAPHS + " passes waiting for their leases at the same time");
                assertEquals(0, lockNodes(holder, "g0", DebianImport.MAINTAINER), "g0's second sidecar waits for its first");
                try (Graph g0 = Graph.local(dir.resolve("g0"))) {
                    assertEquals(2, g0.sidecars().list().size());
                }

                held.forEach(LeaseSet::close);
                await(() -> d.count("reconciler.sidecars.resolved") == GRAPHS + 1, Duration.ofSeconds(60), "every sidecar recovered");
                List<String> audit = Files.readAllLines(dir.resolve("audit.jsonl"));
                int a = indexOf(audit, first);
                int c = indexOf(audit, second);
                assertTrue(a >= 0 && c > a, "g0's sidecars recovered in their order: " + audit);
            }
        }
    }

    private static String sidecar(Graph g, Manifest m, String table, long token) throws Exception {
        String op = GraphWriter.newOperationId();
        g.sidecars().write(new Sidecar(Sidecar.FORMAT_VERSION, op, "import", m.graphId(), Graph.MAIN_BRANCH, m.version(),
                GraphWriter.identity(), Instant.now(), List.of(new Sidecar.SidecarTable(table, m.pin(table).version(), token))));
        return op;
    }

    private static int lockNodes(LeaseManager leases, String graphId, String table) {
        try {
            String dir = LeasePaths.lockDir(graphId, table, Graph.MAIN_BRANCH);
            return leases.client().checkExists().forPath(dir) == null ? 0 : leases.client().getChildren().forPath(dir).size();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static int indexOf(List<String> lines, String op) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(op)) {
                return i;
            }
        }
        return -1;
    }
}
