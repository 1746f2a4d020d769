package reconciler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
            PausedWriter writer = new PausedWriter(h, "after-commit:1", 60, false);

            GraphStatus before = h.status();
            Harness.Run pass = h.runOnce(Map.of());
            assertEquals(1, pass.exitCode(), "the graph cannot converge while the writer is live: " + pass.text());
            assertTrue(pass.text().contains("BUSY"), pass.text());
            assertEquals(1, h.sidecars().size(), "the live writer's sidecar is untouched");
            assertEquals(before.tables(), h.status().tables(), "nothing restored or published under the live writer");
            assertEquals(List.of(), h.audit(), "nothing audited");

            assertEquals(0, writer.resume(), writer.output());
            assertTrue(writer.out.stream().anyMatch(l -> l.startsWith("ACK op=")), "the resumed writer published: " + writer.out);

            assertEquals(0, h.runOnce(Map.of()).exitCode());
            h.assertConsistent();
            assertEquals(List.of(), h.audit(), "a writer that finished by itself needs no recovery record");
        }
    }
}
