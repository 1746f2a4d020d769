package reconciler.bench.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reconciler.writer.DebianArchive;

/** The three-phase benchmark end to end on real Debian records (a small slice). */
class ThreePhaseBenchTest {

    @Test
    void runsTheThreePhasesAndRecordsTheStateWithEveryMeasurement(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isReadable(DebianArchive.DPKG_STATUS), "needs " + DebianArchive.DPKG_STATUS);
        ThreePhaseBench b = new ThreePhaseBench();
        b.dir = dir;
        b.source = DebianArchive.DPKG_STATUS;
        b.limit = 150;
        b.writers = 2;
        b.batch = 40;
        b.crashed = 1;
        b.queries = 10;
        b.warmup = 2;
        b.seed = 7;
        b.caughtUpTimeout = "60s";
        b.maintenanceTimeout = "60s";
        b.log = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        PrintStream stdout = System.out;
        ByteArrayOutputStream table = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(table, true, StandardCharsets.UTF_8));
            rc = b.call();
        } finally {
            System.setOut(stdout);
        }
        assertEquals(0, rc, table.toString(StandardCharsets.UTF_8));
        JsonNode r = new ObjectMapper().readTree(dir.resolve("maintenance-bench.json").toFile());
        assertEquals(1, r.path("formatVersion").asInt());
        assertEquals("debian", r.path("graph").asText());
        List<String> kinds = new ArrayList<>();
        r.path("advertisedKinds").forEach(k -> kinds.add(k.asText()));
        assertEquals(List.of("cleanup", "compact", "recover", "reindex"), kinds);
        List<String> phases = new ArrayList<>();
        r.path("phases").forEach(p -> phases.add(p.path("phase").asText()));
        assertEquals(List.of("after-bulk-load", "caught-up", "after-maintenance:cleanup", "after-maintenance:compact",
                "after-maintenance:recover", "after-maintenance:reindex"), phases, "one measurement after each advertised kind");
        for (JsonNode p : r.path("phases")) {
            JsonNode state = p.path("maintenanceState");
            assertEquals("debian", state.path("graph").asText(), "every measurement carries its maintenance state");
            assertTrue(state.has("observedAt") && state.has("caughtUp") && state.has("sidecars"));
            long pin = -1;
            for (JsonNode t : state.path("tables")) {
                if (t.path("table").asText().equals("node:Package")) {
                    pin = t.path("pinnedVersion").asLong();
                }
            }
            assertEquals(pin, p.path("pinnedVersion").asLong(), "measured at the pin the state describes");
            JsonNode point = p.path("measurements").get(0);
            assertEquals("point-lookup", point.path("workload").asText());
            assertTrue(point.path("skipped").isNull());
            assertEquals(10, point.path("latencyMs").path("count").asInt());
            assertEquals(10, point.path("hits").asInt(), "every key is a loaded package");
            assertTrue(p.path("measurements").get(1).path("skipped").asText().contains("INVERTED"));
            assertTrue(p.path("measurements").get(2).path("skipped").asText().contains("vector"));
        }
        assertTrue(r.path("phases").get(1).path("maintenanceState").path("caughtUp").asBoolean());
        for (int i = 2; i < r.path("phases").size(); i++) {
            JsonNode job = r.path("phases").get(i).path("job");
            assertEquals("succeeded", job.path("state").asText(), job.toString());
            assertEquals(kinds.get(i - 2), job.path("kind").asText());
        }
        assertNull(r.path("phases").get(0).get("job").textValue());
        String t = table.toString(StandardCharsets.UTF_8);
        assertTrue(t.contains("after-maintenance:recover") && t.contains("point-lookup"), t);
    }
}
