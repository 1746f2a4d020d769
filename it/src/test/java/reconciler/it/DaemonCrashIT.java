package reconciler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reconciler.core.AuditRecord;
import reconciler.storage.TableKey;
import reconciler.graph.Graph;

/**
 * A daemon killed mid-recovery (halted at a recovery failpoint) and restarted converges to the
 * same result: one compensating Restore, one audit record, no sidecar.
 */
class DaemonCrashIT {

    @ParameterizedTest(name = "{1}: {0}")
    @CsvSource({"recovery-after-restore, LOCAL", "recovery-after-publish, LOCAL", "recovery-after-audit, LOCAL",
            "recovery-after-restore, S3", "recovery-after-publish, S3", "recovery-after-audit, S3"})
    void restartedDaemonFinishesTheRollBackExactlyOnce(String failpoint, Harness.Backend backend, @TempDir Path dir) throws Exception {
        try (Harness h = new Harness(dir, "20s", backend)) {
            assertEquals(0, h.importDebian(0, 60, 60, "packages", Map.of()).exitCode());
            long pinBefore = h.status().tables().stream().filter(t -> t.table().equals("edge:DependsOn")).findFirst().orElseThrow().pinnedVersion();

            Harness.Run crash = h.importDebian(60, 60, 60, "packages", Map.of("RECONCILER_FAILPOINT", "after-commit:1"));
            assertEquals(77, crash.exitCode(), crash.text());
            String op = h.plannedOps(crash).get(0);

            Harness.Run killed = h.runOnce(Map.of("RECONCILER_FAILPOINT", failpoint));
            assertEquals(77, killed.exitCode(), killed.text());
            assertEquals(List.of(op + ".json"), h.sidecars(), "the sidecar survives a daemon crash");

            Harness.Run restarted = h.runOnce(Map.of());
            assertEquals(0, restarted.exitCode(), restarted.text());
            h.assertConsistent();

            List<AuditRecord> records = h.audit().stream().filter(r -> r.operationId().equals(op)).toList();
            assertEquals(1, records.size(), records.toString());
            assertEquals(AuditRecord.ROLLED_BACK, records.get(0).outcome());
            assertEquals(1, h.auditLogLines().stream().filter(l -> l.contains(op)).count());
            try (Graph g = h.graph()) {
                // own commit at pin+1, exactly one Restore at pin+2, published: no second restore.
                assertEquals(pinBefore + 2, g.tables().headVersion(TableKey.parse("edge:DependsOn")));
                assertEquals("Restore", g.tables().commitInfo(TableKey.parse("edge:DependsOn"), pinBefore + 2).orElseThrow().operation());
            }
        }
    }
}
