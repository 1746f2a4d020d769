package reconciler.maintenance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reconciler.daemon.Config;
import reconciler.daemon.ConfigBuilder;
import reconciler.daemon.Daemon;
import reconciler.leases.EmbeddedZooKeeper;
import reconciler.writer.DebianImport;
import reconciler.graph.Graph;

/**
 * A kind registered in code is advertised and runs with progress; a stopping daemon cancels
 * queued jobs and interrupts running ones after {@code shutdownTimeout}.
 */
class ShutdownBoundTest {

    @Test
    void registeredKindRunsAndCloseIsBoundedByShutdownTimeout(@TempDir Path dir) throws Exception {
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir.resolve("zk"), 0, 500)) {
            Path root = dir.resolve("g");
            try (Graph g = Graph.local(root)) {
                g.init("g", DebianImport.schema());
            }
            ConfigBuilder cfg = Config.builder();
            cfg.graphs = List.of(root.toString());
            cfg.stateDir = dir.resolve("state").toString();
            cfg.auditLog = dir.resolve("audit.jsonl").toString();
            cfg.pollInterval = Duration.ofHours(1);
            cfg.zookeeper.connect = zk.connectString();
            cfg.zookeeper.sessionTimeout = Duration.ofSeconds(2);
            cfg.shutdownTimeout = Duration.ofSeconds(2);
            CountDownLatch running = new CountDownLatch(1);
            Daemon d = new Daemon(cfg.build());
            MaintenanceJob slow;
            MaintenanceJob queued;
            try {
                d.start();
                MaintenanceService m = d.maintenance();
                m.registry().register(new MaintenanceKind() {
                    @Override
                    public String name() {
                        return "slow-test";
                    }

                    @Override
                    public String description() {
                        return "test: sleeps until interrupted";
                    }

                    @Override
                    public MaintenanceResult run(MaintenanceContext ctx) throws Exception {
                        ctx.progress(0.5, "sleeping on " + ctx.graphId());
                        running.countDown();
                        Thread.sleep(60_000); // ignores ctx.stopping(): only the interrupt ends it
                        return new MaintenanceResult("slept", Map.of());
                    }
                });
                assertTrue(m.registry().names().containsAll(List.of("slow-test", "recover")), m.registry().names().toString());
                slow = m.submit("g", "slow-test");
                queued = m.submit("g", "recover");
                assertTrue(running.await(30, TimeUnit.SECONDS));
                assertEquals(0.5, slow.view().progress().fraction());
                assertEquals("running", m.state("g").kinds().get("slow-test").running() == null ? "none" : "running");
                assertEquals(1, m.state("g").kinds().get("recover").queued());
            } finally {
                long t0 = System.nanoTime();
                d.close();
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms < 20_000, "close took " + ms + " ms with shutdownTimeout 2s");
            }
            assertEquals(MaintenanceJob.State.FAILED, slow.state(), "interrupted after shutdownTimeout");
            assertEquals("InterruptedException", slow.view().error().type());
            assertEquals(MaintenanceJob.State.CANCELLED, queued.state());
            assertFalse(queued.view().error().message().isEmpty());
        }
    }
}
