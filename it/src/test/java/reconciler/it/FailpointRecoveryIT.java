package reconciler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reconciler.core.AuditRecord;

/**
 * For every writer failpoint, a child writer JVM halts there (Runtime.halt: no hooks, leases
 * dropped only when its ZooKeeper session expires); then {@code reconciler run --once} converges
 * with exactly one audit record for the operation, and a second pass changes nothing.
 */
class FailpointRecoveryIT {

    @ParameterizedTest(name = "{3}: {0} -> {1}")
    @CsvSource({
            "after-sidecar,        aborted,        false, LOCAL",
            "after-commit:1,       rolled_back,    false, LOCAL",
            "after-commit:2,       rolled_forward, true,  LOCAL",
            "after-publish,        finished,       true,  LOCAL",
            "after-sidecar-delete, '',             true,  LOCAL",
            "after-sidecar,        aborted,        false, S3",
            "after-commit:1,       rolled_back,    false, S3",
            "after-commit:2,       rolled_forward, true,  S3",
            "after-publish,        finished,       true,  S3",
            "after-sidecar-delete, '',             true,  S3"})
    void runOnceHealsAWriterHaltedAt(String failpoint, String outcome, boolean visible, Harness.Backend backend, @TempDir Path dir)
            throws Exception {
        try (Harness h = new Harness(dir, "20s", backend)) {
            Harness.Run base = h.importDebian(0, 120, 60, "all", Map.of());
            assertEquals(0, base.exitCode(), base.text());

            Harness.Run crash = h.importDebian(120, 60, 60, "packages", Map.of("RECONCILER_FAILPOINT", failpoint));
            assertEquals(77, crash.exitCode(), crash.text());
            String op = h.plannedOps(crash).get(0);
            assertEquals(failpoint.equals("after-sidecar-delete") ? List.of() : List.of(op + ".json"), h.sidecars());

            Harness.Run heal = h.runOnce(Map.of());
            assertEquals(0, heal.exitCode(), heal.text());
            h.assertConsistent();
            assertEquals(visible, h.visibleOps().contains(op), "operation visible after recovery");

            List<AuditRecord> records = h.audit().stream().filter(r -> r.operationId().equals(op)).toList();
            if (outcome.isEmpty()) {
                assertEquals(List.of(), records, "nothing to recover, nothing audited");
            } else {
                assertEquals(1, records.size(), records.toString());
                assertEquals(outcome, records.get(0).outcome());
                assertEquals(1, h.auditLogLines().stream().filter(l -> l.contains(op)).count(), "one local audit line");
            }

            long manifestVersion = h.status().manifestVersion();
            int auditCount = h.audit().size();
            Harness.Run again = h.runOnce(Map.of());
            assertEquals(0, again.exitCode(), again.text());
            assertEquals(manifestVersion, h.status().manifestVersion(), "a second pass publishes nothing");
            assertEquals(auditCount, h.audit().size(), "a second pass audits nothing");

            Harness.Run next = h.importDebian(180, 60, 60, "packages", Map.of());
            assertEquals(0, next.exitCode(), "a writer succeeds on the healed tables: " + next.text());
            h.assertConsistent();
            assertTrue(h.ackedOps().size() >= 3);
        }
    }
}
