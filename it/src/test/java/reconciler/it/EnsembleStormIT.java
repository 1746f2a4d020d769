package reconciler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reconciler.core.AuditLog;
import reconciler.core.AuditRecord;
import reconciler.core.GraphStatus;
import reconciler.manifest.Manifest;
import reconciler.storage.TableKey;
import reconciler.writer.DebianImport;
import reconciler.graph.Graph;
import reconciler.leases.Ensembles;

/**
 * A recovery storm on a real 3-node ZooKeeper ensemble (Curator's {@link TestingCluster}, tick
 * 200 ms) whose leader is killed in the middle of it: three graphs, each with two crashed writers'
 * sidecars (disjoint tables: {@code packages} and {@code maintainers} operations), one daemon
 * ({@code reconciler run}, one Quartz thread per graph) paused right after the first compensating
 * Restore it makes; the leader is killed at that moment (the other graphs' recoveries in flight),
 * then the daemon goes on. Everything converges, with one audit record per operation.
 */
class EnsembleStormIT {

    static final int GRAPHS = 3;

    static int pendingSidecars(List<Path> roots) throws Exception {
        int n = 0;
        for (Path r : roots) {
            try (Graph g = Graph.local(r)) {
                n += g.store().list("_recovery").size();
            }
        }
        return n;
    }

    @Test
    void leaderKilledDuringARecoveryStormEverythingConvergesWithOneAuditRecordPerOperation(@TempDir Path dir) throws Exception {
        System.setProperty("zookeeper.4lw.commands.whitelist", "*");
        System.setProperty("zookeeper.admin.enableServer", "false");
        List<InstanceSpec> specs = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            specs.add(new InstanceSpec(null, -1, -1, -1, true, i, 200, -1));
        }
        try (TestingCluster cluster = new TestingCluster(specs); Harness h = new Harness(dir, "20s")) {
            cluster.start();
            List<Path> roots = new ArrayList<>(List.of(Path.of(h.root)));
            StringBuilder graphs = new StringBuilder("graphs:\n  - " + h.root + "\n");
            for (int i = 2; i <= GRAPHS; i++) {
                Path r = dir.resolve("graph" + i);
                try (Graph g = Graph.local(r)) {
                    g.init("it" + i, DebianImport.schema());
                }
                roots.add(r);
                graphs.append("  - ").append(r).append('\n');
            }
            Path cfg = h.configWith("ensemble.yaml", Map.of("graphs:\n  - " + h.root + "\n", graphs.toString(),
                    "  connect: " + h.zk.connectString() + "\n", "  connect: " + cluster.getConnectString() + "\n",
                    "sessionTimeout: 2s", "sessionTimeout: 3s"));

            // Two crashed writers per graph, all at once: six sidecars.
            List<Child> writers = new ArrayList<>();
            for (Path r : roots) {
                for (String ops : List.of("packages", "maintainers")) {
                    writers.add(Child.start(h, List.of("graph", "import-debian", r.toString(), "--config", cfg.toString(), "--source",
                            Harness.SOURCE.toString(), "--limit", "60", "--batch", "60", "--ops", ops), Map.of(Child.FAILPOINT, "after-commit:1")));
                }
            }
            List<String> ops = new ArrayList<>();
            for (Child w : writers) {
                try (w) {
                    assertEquals(77, w.waitFor(Duration.ofMinutes(3)), w.text());
                    ops.add(w.plannedOp());
                }
            }
            assertEquals(2 * GRAPHS, pendingSidecars(roots));

            Path resume = dir.resolve("resume");
            int pendingAtKill;
            try (Child d = Child.daemon(h, cfg, Map.of(Child.FAILPOINT, "recovery-after-restore", Child.PAUSE_UNTIL, resume.toString()))) {
                d.awaitLine(l -> l.startsWith("PAUSED recovery-after-restore"), Duration.ofMinutes(2), "the daemon's first Restore");
                InstanceSpec leader = cluster.getInstances().stream().filter(Ensembles::isLeader).findFirst().orElseThrow();
                pendingAtKill = pendingSidecars(roots);
                assertTrue(cluster.killServer(leader), "killed the leader");
                long killedAt = System.nanoTime();
                Files.createFile(resume);
                try {
                    Harness.await(() -> pendingSidecars(roots) == 0, Duration.ofMinutes(2), "every sidecar healed (pending at the kill: "
                            + pendingAtKill + ")");
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + "; daemon output:\n" + d.text(), e);
                }
                System.out.println("EnsembleStormIT: " + pendingAtKill + " of " + 2 * GRAPHS + " sidecars pending when the leader was killed; all healed "
                        + (System.nanoTime() - killedAt) / 1_000_000 + " ms later");
                Harness.await(() -> cluster.getInstances().stream().anyMatch(s -> s != leader && Ensembles.isLeader(s)), Duration.ofSeconds(60),
                        "a new leader");
                Harness.signal(d.process, "TERM");
                assertEquals(143, d.waitFor(Duration.ofMinutes(1)), d.text());
            }
            Map<String, Integer> recordsPerOp = new TreeMap<>();
            for (Path r : roots) {
                try (Graph g = Graph.local(r)) {
                    for (AuditRecord a : AuditLog.readAll(g.store())) {
                        recordsPerOp.merge(a.operationId(), 1, Integer::sum);
                        assertEquals(AuditRecord.ROLLED_BACK, a.outcome(), a.toString());
                    }
                    GraphStatus s = GraphStatus.of(g);
                    assertTrue(s.converged(), s.toString());
                    Manifest m = g.manifests().require();
                    for (String t : m.tables().keySet()) {
                        assertEquals(0, g.tables().countRows(TableKey.parse(t), m.pin(t).version()), "nothing of a rolled-back writer visible in " + t);
                    }
                }
            }
            Map<String, Integer> expected = new TreeMap<>();
            ops.forEach(op -> expected.put(op, 1));
            assertEquals(expected, recordsPerOp, "exactly one audit record per operation (pending at the leader kill: " + pendingAtKill + ")");
            assertEquals(2 * GRAPHS, h.auditLogLines().size(), "one local audit line per operation");
        }
    }
}
