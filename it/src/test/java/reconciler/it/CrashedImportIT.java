package reconciler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reconciler.core.AuditRecord;

/** Real SIGKILLs and concurrent writer processes. */
class CrashedImportIT {

    @ParameterizedTest(name = "{1}: SIGKILL {0} ms after the sidecar appears")
    @CsvSource({"0, LOCAL", "25, LOCAL", "60, LOCAL", "0, S3", "25, S3", "60, S3"})
    void writerKilledWithSigkillMidWriteIsHealed(int delayMs, Harness.Backend backend, @TempDir Path dir) throws Exception {
        try (Harness h = new Harness(dir, "20s", backend)) {
            List<java.nio.file.Path> leftBefore = Harness.leakedNativeLibraries(); // e.g. from an aborted earlier run
            assertEquals(0, h.importDebian(0, 60, 60, "all", Map.of()).exitCode());
            Process p = h.start(List.of("graph", "import-debian", h.root, "--config", h.config.toString(),
                    "--source", Harness.SOURCE.toString(), "--skip", "60", "--limit", "200", "--batch", "200", "--ops", "packages"), Map.of());
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            String op = null;
            while ((line = r.readLine()) != null) {
                h.lines.add(line);
                if (line.startsWith("PLAN op=")) {
                    op = line.split(" ")[1].substring(3);
                    break;
                }
            }
            assertTrue(op != null, "writer planned nothing");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            try (reconciler.graph.Graph g = h.graph()) { // one client: opening one per poll would starve the writer
                String key = "_recovery/" + op + ".json";
                while (g.store().read(key).isEmpty() && p.isAlive() && System.nanoTime() < deadline) {
                    Thread.sleep(1); // the condition is an object another process creates
                }
            }
            Thread.sleep(delayMs); // the delay is the test parameter: where in phases B-D the kill lands
            p.destroyForcibly(); // SIGKILL
            p.waitFor();

            Harness.Run heal = h.runOnce(Map.of());
            assertEquals(0, heal.exitCode(), heal.text());
            h.assertConsistent();
            final String killed = op;
            List<AuditRecord> records = h.audit().stream().filter(x -> x.operationId().equals(killed)).toList();
            assertTrue(records.size() <= 1, records.toString());
            assertEquals(0, h.runOnce(Map.of()).exitCode());
            // the killed writer never ran deleteOnExit: its copy of the native library must be gone anyway
            List<java.nio.file.Path> left = new java.util.ArrayList<>(Harness.leakedNativeLibraries());
            left.removeAll(leftBefore);
            assertEquals(List.of(), left, "native library copies left by killed children");
        }
    }

    @Test
    void concurrentWritersWithOneCrashConverge(@TempDir Path dir) throws Exception {
        try (Harness h = new Harness(dir, "20s")) {
            Harness.Run imp = h.importDebian(0, 600, 50, "all", Map.of(), "--writers", "3", "--crash-at", "after-commit:1", "--crash-op", "2");
            // shard 0 halts on its 2nd operation; the others finish, or refuse once they meet its pending sidecar
            assertTrue(imp.exitCode() == 0 || imp.exitCode() == 3, imp.text());
            assertTrue(imp.text().contains("exited 77"), imp.text());
            assertTrue(h.ackedOps().size() >= 2, imp.text());
            Harness.Run heal = h.runOnce(Map.of());
            assertEquals(0, heal.exitCode(), heal.text());
            h.assertConsistent();
            assertEquals(1, h.audit().stream().filter(x -> x.outcome().equals(AuditRecord.ROLLED_BACK)).count());
        }
    }
}
