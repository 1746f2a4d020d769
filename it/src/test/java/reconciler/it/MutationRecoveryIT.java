package reconciler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.arrow.vector.FieldVector;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reconciler.core.AuditRecord;
import reconciler.graph.Graph;
import reconciler.graph.GraphSnapshot;
import reconciler.graph.ScanResult;
import reconciler.writer.DebianImport;

/**
 * The Debian graph's mutations (deletes across three tables, an upsert) run by a child writer JVM
 * halted at a failpoint, then healed by {@code reconciler run --once}: all or nothing, one audit
 * record. The write kinds other than append, end to end with real processes.
 */
class MutationRecoveryIT {

    /** Row counts per table, plus packages of priority 'important', at the latest manifest. */
    static Map<String, Long> counts(Harness h) throws Exception {
        Map<String, Long> out = new TreeMap<>();
        try (Graph g = h.graph(); GraphSnapshot s = g.snapshot()) {
            for (String t : s.tables()) {
                out.put(t, s.count(t, null));
            }
            out.put("important", s.count(DebianImport.PACKAGE, "priority = 'important'"));
        }
        return out;
    }

    /** The section with the most packages. */
    static String biggestSection(Harness h) throws Exception {
        Map<String, Integer> n = new HashMap<>();
        try (Graph g = h.graph(); GraphSnapshot s = g.snapshot(); ScanResult r = s.scan(DebianImport.PACKAGE, List.of("section"), null, 0)) {
            while (r.loadNextBatch()) {
                FieldVector v = r.getVectorSchemaRoot().getVector("section");
                for (int i = 0; i < v.getValueCount(); i++) {
                    n.merge(String.valueOf(v.getObject(i)), 1, Integer::sum);
                }
            }
        }
        return n.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    }

    @ParameterizedTest(name = "{0} halted at {1} -> {2}")
    @CsvSource({"--remove-section, after-sidecar, aborted", "--remove-section, after-commit:1, rolled_back",
            "--remove-section, after-commit:2, rolled_back", "--remove-section, after-commit:3, rolled_forward",
            "--raise-priority, after-commit:1, rolled_forward", "--raise-priority, after-publish, finished"})
    void aCrashedMutationIsHealedAllOrNothing(String mutation, String failpoint, String outcome, @TempDir Path dir) throws Exception {
        try (Harness h = new Harness(dir, "20s")) {
            assertEquals(0, h.importDebian(0, 300, 100, "all", Map.of()).exitCode());
            String section = biggestSection(h);
            Map<String, Long> before = counts(h);

            Harness.Run crash = h.run(List.of("graph", "mutate-debian", h.root, mutation, section, "--config", h.config.toString()),
                    Map.of("RECONCILER_FAILPOINT", failpoint));
            assertEquals(77, crash.exitCode(), crash.text());
            String op = h.plannedOps(crash).get(0);
            Map<String, Long> planned = reconciler.cli.WriterLines.planned(crash.output()).get(op);
            assertEquals(List.of(op + ".json"), h.sidecars());
            if (!failpoint.equals("after-publish")) {
                assertEquals(before, counts(h), "nothing of an unpublished mutation is visible before recovery");
            }

            Harness.Run heal = h.runOnce(Map.of());
            assertEquals(0, heal.exitCode(), heal.text());
            assertTrue(h.status().converged());
            List<AuditRecord> records = h.audit().stream().filter(r -> r.operationId().equals(op)).toList();
            assertEquals(1, records.size(), records.toString());
            assertEquals(outcome, records.get(0).outcome());

            Map<String, Long> after = counts(h);
            boolean applied = outcome.equals("rolled_forward") || outcome.equals("finished");
            if (!applied) {
                assertEquals(before, after, "rolled back or aborted: exactly the state before");
            } else if (mutation.equals("--remove-section")) {
                for (String t : List.of(DebianImport.PACKAGE, DebianImport.DEPENDS_ON, DebianImport.MAINTAINED_BY)) {
                    assertEquals(before.get(t) - planned.get(t), after.get(t), t);
                }
                try (Graph g = h.graph(); GraphSnapshot s = g.snapshot()) {
                    assertEquals(0, s.count(DebianImport.PACKAGE, "section = '" + section.replace("'", "''") + "'"));
                }
            } else {
                assertEquals(before.get(DebianImport.PACKAGE), after.get(DebianImport.PACKAGE), "an upsert by key keeps the row count");
                assertTrue(after.get("important") > before.get("important"), before + " -> " + after);
            }
        }
    }
}
