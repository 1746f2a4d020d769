package reconciler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reconciler.core.AuditRecord;

/**
 * PausedWriter writers: a writer JVM stalls with SIGSTOP right after its last lease check, its ZooKeeper
 * session expires, the reconciler recovers its sidecar, another writer publishes; then SIGCONT.
 * Fencing tokens keep everything the zombie does afterwards out of the graph.
 */
class FencingIT {

    @Test
    void zombieCommitAfterRollBackIsRevertedAndNeverVisible(@TempDir Path dir) throws Exception {
        try (Harness h = new Harness(dir, "20s")) {
            assertEquals(0, h.importDebian(0, 60, 60, "all", Map.of()).exitCode());
            // committed edge:DependsOn, passed its lease check for node:Package, then stalls
            PausedWriter z = new PausedWriter(h, "before-commit:2", 60);

            Harness.Run heal = h.runOnce(Map.of()); // waits for the zombie's session to expire
            assertEquals(0, heal.exitCode(), heal.text());
            assertEquals(AuditRecord.ROLLED_BACK, h.audit().stream().filter(r -> r.operationId().equals(z.operationId))
                    .findFirst().orElseThrow().outcome());

            Harness.Run other = h.importDebian(120, 60, 60, "packages", Map.of());
            assertEquals(0, other.exitCode(), other.text());

            int rc = z.resume();
            assertEquals(3, rc, "the zombie must refuse, not acknowledge: " + z.output());
            assertFalse(z.output().contains("ACK op=" + z.operationId), z.output());
            assertFalse(h.visibleOps().contains(z.operationId), "nothing of the zombie is published");
            assertTrue(h.status().tables().stream().anyMatch(t -> t.drift() > 0), "the zombie's late commit landed in Lance");

            Harness.Run repair = h.runOnce(Map.of());
            assertEquals(0, repair.exitCode(), repair.text());
            h.assertConsistent();
            assertEquals(1, h.audit().stream().filter(r -> r.outcome().equals(AuditRecord.REVERTED_FENCED)).count(), h.audit().toString());
            assertEquals(0, h.runOnce(Map.of()).exitCode());
        }
    }

    @Test
    void zombiePublishAfterRollForwardIsFencedOff(@TempDir Path dir) throws Exception {
        try (Harness h = new Harness(dir, "20s")) {
            assertEquals(0, h.importDebian(0, 60, 60, "all", Map.of()).exitCode());
            // committed both tables, passed its last lease check, stalls right before the publish
            PausedWriter z = new PausedWriter(h, "before-publish", 60);

            Harness.Run heal = h.runOnce(Map.of());
            assertEquals(0, heal.exitCode(), heal.text());
            assertEquals(AuditRecord.ROLLED_FORWARD, h.audit().stream().filter(r -> r.operationId().equals(z.operationId))
                    .findFirst().orElseThrow().outcome());
            long version = h.status().manifestVersion();

            Harness.Run other = h.importDebian(120, 60, 60, "packages", Map.of());
            assertEquals(0, other.exitCode(), other.text());

            int rc = z.resume();
            assertEquals(3, rc, z.output());
            assertTrue(z.output().contains("fenced off"), z.output());
            assertEquals(version + 1, h.status().manifestVersion(), "only the second writer published after the roll forward");
            assertEquals(1, h.visibleOps().stream().filter(z.operationId::equals).count(), "visible exactly once, by the roll forward");
            h.assertConsistent();
            assertEquals(0, h.runOnce(Map.of()).exitCode());
        }
    }

    /**
     * Found by the randomized crash loop (ChaosIT, seed 20261203, round 17): a writer stalls after its
     * last lease check but before writing its sidecar, past its session; another writer takes the
     * same leases and publishes; the zombie resumes and writes a sidecar whose expected versions are
     * no longer the pins. The reconciler used to defer it forever (PIN_MOVED), blocking every writer
     * of those tables. It is now aborted (SUPERSEDED: the pins moved under higher fencing tokens).
     */
    @Test
    void zombieSidecarWrittenAfterTheLeaseWasLostIsAborted(@TempDir Path dir) throws Exception {
        try (Harness h = new Harness(dir, "20s")) {
            assertEquals(0, h.importDebian(0, 60, 60, "all", Map.of()).exitCode());
            PausedWriter z = new PausedWriter(h, "before-sidecar", 60);

            // waits until the zombie's session expired (its leases vanish), then publishes the same tables
            Harness.Run other = h.importDebian(120, 60, 60, "packages", Map.of());
            assertEquals(0, other.exitCode(), other.text());

            int rc = z.resume();
            assertEquals(3, rc, "the zombie must refuse, not acknowledge: " + z.output());
            assertFalse(z.output().contains("ACK op=" + z.operationId), z.output());
            assertTrue(h.sidecarExists(z.operationId), "the zombie wrote its stale sidecar after losing its leases");

            Harness.Run heal = h.runOnce(Map.of());
            assertEquals(0, heal.exitCode(), heal.text());
            h.assertConsistent();
            assertFalse(h.visibleOps().contains(z.operationId), "nothing of the zombie is published");
            assertEquals(List.of(AuditRecord.ABORTED), h.audit().stream().filter(r -> r.operationId().equals(z.operationId))
                    .map(AuditRecord::outcome).toList());
            assertEquals(0, h.runOnce(Map.of()).exitCode());
        }
    }

    /**
     * Found by the randomized crash loop (seed 4244, round 66): a zombie whose sidecar was aborted
     * resumes and commits (it had passed its last lease check) right after a live writer covered the
     * same tables with its sidecar; the live writer's commit is rebased past the zombie's and it
     * refuses. The reconciler used to defer that sidecar forever (FOREIGN). It now rolls it back
     * (FENCED_INTERLEAVED: every version past the pin is fenced off or the operation's own).
     */
    @Test
    void zombieCommitInterleavedWithALiveWritersOperationIsRolledBack(@TempDir Path dir) throws Exception {
        try (Harness h = new Harness(dir, "20s")) {
            assertEquals(0, h.importDebian(0, 60, 60, "all", Map.of()).exitCode());
            PausedWriter zombie = new PausedWriter(h, "before-commit:1", 60);
            Harness.Run heal = h.runOnce(Map.of()); // the zombie's session expires; its sidecar is aborted
            assertEquals(0, heal.exitCode(), heal.text());

            PausedWriter live = new PausedWriter(h, "after-sidecar", 120, false); // leases taken, drift checked, sidecar written
            assertEquals(3, zombie.resume(), "the zombie commits, then is refused: " + zombie.output());
            assertEquals(3, live.resume(), "its commit is rebased past the zombie's: " + live.output());
            assertTrue(h.sidecarExists(live.operationId), live.output());

            Harness.Run repair = h.runOnce(Map.of());
            assertEquals(0, repair.exitCode(), repair.text());
            h.assertConsistent();
            assertFalse(h.visibleOps().contains(zombie.operationId));
            assertFalse(h.visibleOps().contains(live.operationId));
            assertEquals(List.of(AuditRecord.ROLLED_BACK), h.audit().stream().filter(r -> r.operationId().equals(live.operationId))
                    .map(AuditRecord::outcome).toList());
            assertEquals(0, h.runOnce(Map.of()).exitCode());
        }
    }
}
