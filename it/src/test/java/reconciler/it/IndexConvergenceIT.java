package reconciler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reconciler.indexer.IndexMaintenance;
import reconciler.indexer.MaintenanceOptions;
import reconciler.indexer.TableCoverage;
import reconciler.leases.LeaseManager;
import reconciler.manifest.IndexSpec;
import reconciler.graph.Graph;

/** The running daemon converges declared index coverage by itself after writers append (issue 4). */
class IndexConvergenceIT {

    @Test
    void daemonBuildsDeclaredIndexesToFullCoverageAfterAWrite(@TempDir Path dir) throws Exception {
        try (Harness h = new Harness(dir, "20s");
             LeaseManager zk = new LeaseManager(h.zk.connectString(), Duration.ofSeconds(5), Duration.ofSeconds(10));
             IndexMaintenance im = new IndexMaintenance(MaintenanceOptions.defaults())) {
            try (Graph g = h.graph()) {
                im.addIndex(g, zk, "node:Package", new IndexSpec("name_idx", List.of("name"), "BTREE", null, null, 0));
                im.addIndex(g, zk, "node:Package", new IndexSpec("description_fts", List.of("description"), "INVERTED",
                        new TreeMap<>(Map.of("base_tokenizer", "simple", "language", "English", "with_position", "false")), null, 0));
                im.addIndex(g, zk, "edge:DependsOn", new IndexSpec("src_idx", List.of("src"), "BTREE", null, null, 0));
            }
            Path log = dir.resolve("daemon.log");
            Process daemon = h.startDaemon(h.config, log);
            try {
                Harness.await(() -> Files.exists(log) && Files.readString(log).contains("started"), Duration.ofSeconds(60), "daemon start");
                assertEquals(0, h.importDebian(0, 120, 60, "packages", Map.of()).exitCode());
                Harness.await(() -> {
                    try (Graph g = h.graph()) {
                        // the index commit publishes before it deletes its sidecar: wait for both
                        return im.coverage(g).converged() && h.sidecars().isEmpty() && h.status().converged();
                    }
                }, Duration.ofSeconds(120), "the daemon to cover every declared index at the pins");
                try (Graph g = h.graph()) {
                    for (TableCoverage t : im.coverage(g).tables()) {
                        t.indexes().stream().filter(i -> i.declared()).forEach(i ->
                                assertEquals(i.rowsTotal(), i.rowsIndexed(), t.table() + " " + i.index()));
                    }
                }
                h.assertConsistent();
            } finally {
                daemon.destroy();
                assertTrue(daemon.waitFor(60, TimeUnit.SECONDS));
            }
            assertTrue(Files.readString(log).contains("index convergence on"), Files.readString(log));
        }
    }
}
