package reconciler.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reconciler.graph.Graph;
import reconciler.leases.EmbeddedZooKeeper;
import reconciler.maintenance.ReloadResult;
import reconciler.writer.DebianImport;

/**
 * Reloads of the graph list (the path SIGHUP and {@code POST /v1/reload} take:
 * {@link DaemonHost#reloadGraphs()}) race reconcile passes on another thread. A pass's config
 * snapshot is one version throughout the pass (before issue 15 a reload reassigned the shared
 * config's {@code graphs} under the reader), and neither side throws.
 */
class ConfigReloadRaceTest {

    private static final int RELOADS = 30;

    @Test
    void passesSeeOneConfigVersionWhileReloadsSwapIt(@TempDir Path dir) throws Exception {
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir.resolve("zk"), 0, 500)) {
            String a = dir.resolve("a").toString();
            String b = dir.resolve("b").toString();
            for (String root : List.of(a, b)) {
                try (Graph g = Graph.local(Path.of(root))) {
                    g.init(Path.of(root).getFileName().toString(), DebianImport.schema());
                }
            }
            List<String> one = List.of(a);
            List<String> two = List.of(a, b);
            Path file = dir.resolve("reconciler.yaml");
            writeConfig(file, dir, zk, one);
            Config initial = Config.load(file);
            try (Daemon d = new Daemon(initial)) {
                d.start();
                DaemonHost host = d.host();
                Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
                AtomicBoolean reloading = new AtomicBoolean(true);
                AtomicInteger passes = new AtomicInteger();
                AtomicInteger passesAcrossReloads = new AtomicInteger();
                AtomicInteger reloads = new AtomicInteger();
                Thread passer = new Thread(() -> {
                    try {
                        while (reloading.get()) {
                            int reloadsBefore = reloads.get();
                            Config snap = d.config();
                            List<String> seen = List.copyOf(snap.graphs);
                            assertTrue(seen.equals(one) || seen.equals(two), "a graph list that was never configured: " + seen);
                            d.maintenancePass("a");
                            passes.incrementAndGet();
                            if (reloads.get() != reloadsBefore) {
                                passesAcrossReloads.incrementAndGet();
                            }
                            assertEquals(seen, snap.graphs, "the pass's config snapshot changed under it");
                            assertEquals(initial.stateDir, snap.stateDir);
                            assertEquals(initial.leaseWait, snap.leaseWait);
                            assertEquals(file, snap.sourceFile());
                            assertThrows(UnsupportedOperationException.class, () -> snap.graphs.add("x"), "snapshots are read-only");
                        }
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }, "test-passes");
                passer.start();
                try {
                    for (int i = 0; i < RELOADS && failures.isEmpty(); i++) {
                        List<String> next = i % 2 == 0 ? two : one;
                        writeConfig(file, dir, zk, next);
                        ReloadResult r = host.reloadGraphs();
                        reloads.incrementAndGet();
                        assertEquals(next, r.graphs());
                        assertEquals(next, d.config().graphs);
                        // let at least one pass run against this version before the next swap
                        int p = passes.get();
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                        while (passes.get() == p && failures.isEmpty() && System.nanoTime() < deadline) {
                            Thread.onSpinWait();
                        }
                    }
                } finally {
                    reloading.set(false);
                    passer.join(TimeUnit.SECONDS.toMillis(60));
                }
                if (!failures.isEmpty()) {
                    throw new AssertionError("a pass or a reload failed", failures.peek());
                }
                assertTrue(passes.get() >= RELOADS, "passes ran: " + passes.get());
                assertTrue(passesAcrossReloads.get() > 0, "some passes overlapped a reload: " + passesAcrossReloads.get());
                assertEquals(RELOADS % 2 == 0 ? one : two, d.config().graphs);
            }
        }
    }

    private static void writeConfig(Path file, Path dir, EmbeddedZooKeeper zk, List<String> graphs) throws Exception {
        StringBuilder sb = new StringBuilder("graphs:\n");
        graphs.forEach(g -> sb.append("  - ").append(g).append('\n'));
        sb.append("stateDir: ").append(dir.resolve("state")).append('\n')
                .append("auditLog: ").append(dir.resolve("audit.jsonl")).append('\n')
                .append("pollInterval: 1h\nleaseWait: 5s\nshutdownTimeout: 20s\nindexes: false\n")
                .append("zookeeper:\n  connect: ").append(zk.connectString()).append("\n  sessionTimeout: 2s\n");
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, sb.toString());
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
