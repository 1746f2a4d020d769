package reconciler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reconciler.core.GraphStatus;

/** A live writer holding its leases is never recovered from under it. */
class LiveWriterIT {

    @Test
    void runOnceWaitsForALiveWritersLeasesAndLeavesItsSidecarAlone(@TempDir Path dir) throws Exception {
        try (Harness h = new Harness(dir, "2s")) {
            assertEquals(0, h.importDebian(0, 60, 60, "packages", Map.of()).exitCode());
            // No session needs to expire here: a long one keeps the paused writer's leases through a
            // stall of a slow machine (with 2 s it could be healed from under it, which is another test).
            Files.writeString(h.config, Files.readString(h.config).replace("sessionTimeout: 2s", "sessionTimeout: 10s"));
            Path resume = dir.resolve("resume");
            Process writer = h.start(List.of("graph", "import-debian", h.root, "--config", h.config.toString(),
                    "--source", Harness.SOURCE.toString(), "--skip", "60", "--limit", "60", "--batch", "60", "--ops", "packages"),
                    Map.of("RECONCILER_FAILPOINT", "after-commit:1", "RECONCILER_FAILPOINT_PAUSE_UNTIL", resume.toString()));
            CountDownLatch paused = new CountDownLatch(1);
            List<String> out = new ArrayList<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        synchronized (out) {
                            out.add(line);
                        }
                        h.lines.add(line);
                        if (line.startsWith("PAUSED")) {
                            paused.countDown();
                        }
                    }
                } catch (Exception e) {
                    // the writer exited
                }
            });
            reader.start();
            assertTrue(paused.await(2, TimeUnit.MINUTES), "writer never reached its pause point: " + out);

            GraphStatus before = h.status();
            Harness.Run pass = h.runOnce(Map.of());
            assertEquals(1, pass.exitCode(), "the graph cannot converge while the writer is live: " + pass.text());
            assertTrue(pass.text().contains("BUSY"), pass.text());
            assertEquals(1, h.sidecars().size(), "the live writer's sidecar is untouched");
            assertEquals(before.tables(), h.status().tables(), "nothing restored or published under the live writer");
            assertEquals(List.of(), h.audit(), "nothing audited");

            Files.createFile(resume);
            assertTrue(writer.waitFor(2, TimeUnit.MINUTES));
            reader.join();
            assertEquals(0, writer.exitValue(), String.join("\n", out));
            assertTrue(out.stream().anyMatch(l -> l.startsWith("ACK op=")), "the resumed writer published: " + out);

            assertEquals(0, h.runOnce(Map.of()).exitCode());
            h.assertConsistent();
            assertEquals(List.of(), h.audit(), "a writer that finished by itself needs no recovery record");
        }
    }
}
