package reconciler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon as a service: heals on its schedule, stops cleanly on SIGTERM, refuses bad config. */
class DaemonServiceIT {

    @Test
    void scheduledDaemonHealsACrashedWriterAndStopsOnSigterm(@TempDir Path dir) throws Exception {
        try (Harness h = new Harness(dir, "20s")) {
            Files.writeString(h.config, Files.readString(h.config).replace("pollInterval: 1h", "pollInterval: 1s"));
            assertEquals(0, h.importDebian(0, 60, 60, "all", Map.of()).exitCode());
            Harness.Run crash = h.importDebian(60, 60, 60, "packages", Map.of("RECONCILER_FAILPOINT", "after-commit:1"));
            assertEquals(77, crash.exitCode());
            assertEquals(1, h.sidecars().size());

            Path log = dir.resolve("daemon.log");
            ProcessBuilder pb = new ProcessBuilder(Harness.java(List.of("run", "--config", h.config.toString())))
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("LANCE_LOG", "error");
            Process daemon = pb.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!(h.sidecars().isEmpty() && h.status().converged()) && System.nanoTime() < deadline) {
                Thread.sleep(100); // polling the graph on disk: the daemon is another process
            }
            h.assertConsistent();
            assertEquals(1, h.audit().size());

            daemon.destroy(); // SIGTERM
            assertTrue(daemon.waitFor(60, TimeUnit.SECONDS), "daemon did not stop on SIGTERM");
            String out = Files.readString(log);
            assertEquals(143, daemon.exitValue(), out);
            assertTrue(out.contains("reconciler stopped"), out);
        }
    }

    @Test
    void malformedConfigNamesTheKeyAndLine(@TempDir Path dir) throws Exception {
        Path cfg = dir.resolve("bad.yaml");
        Files.writeString(cfg, "graphs:\n  - /tmp/x\npollIntervall: 5s\n");
        Harness.Run r = new Harness.Runner().run(List.of("run", "--once", "--config", cfg.toString()));
        assertEquals(2, r.exitCode(), r.text());
        assertTrue(r.text().contains("line 3") && r.text().contains("pollIntervall") && r.text().contains(cfg.toString()), r.text());

        Files.writeString(cfg, "graphs:\n  - /tmp/x\nzookeeper:\n  sessionTimeout: soon\n");
        r = new Harness.Runner().run(List.of("run", "--once", "--config", cfg.toString()));
        assertEquals(2, r.exitCode(), r.text());
        assertTrue(r.text().contains("line 4") && r.text().contains("zookeeper.sessionTimeout"), r.text());
    }
}
