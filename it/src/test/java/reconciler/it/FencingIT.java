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

    /** A harness (20 s lease wait) whose graph holds a first import of 60 packages. */
    static Harness seeded(Path dir) throws Exception {
        Harness h = new Harness(dir, "20s");
        try {
            assertEquals(0, h.importDebian(0, 60, 60, "all", Map.of()).exitCode());
            return h;
        } catch (Throwable t) {
            h.close();
            throw t;
        }
    }

    /** The paused writer resumes and refuses (exit 3), never acknowledging its operation. */
    static void assertZombieRefuses(PausedWriter z) throws Exception {
        int rc = z.resume();
        assertEquals(3, rc, "the zombie must refuse, not acknowledge: " + z.output());
        assertFalse(z.output().contains("ACK op=" + z.operationId), z.output());
    }

    /** A reconciler pass ({@code run --once}) that exits 0. */
    static void assertPassSucceeds(Harness h) throws Exception {
        Harness.Run pass = h.runOnce(Map.of());
        assertEquals(0, pass.exitCode(), pass.text());
    }

    /** Another writer imports packages over the same tables and publishes (exit 0). */
    static void assertOtherWriterPublishes(Harness h) throws Exception {
        Harness.Run other = h.importDebian(120, 60, 60, "packages", Map.of());
        assertEquals(0, other.exitCode(), other.text());
    }

    /** The audit outcomes recorded for the paused writer's operation, in order. */
    static List<String> outcomesOf(Harness h, PausedWriter w) throws Exception {
        return h.audit().stream().filter(r -> r.operationId().equals(w.operationId)).map(AuditRecord::outcome).toList();
    }

    @Test
    void zombieCommitAfterRollBackIsRevertedAndNeverVisible(@TempDir Path dir) throws Exception {
        try (Harness h = seeded(dir)) {
            // committed edge:DependsOn, passed its lease check for node:Package, then stalls
            PausedWriter z = new PausedWriter(h, "before-commit:2", 60);

            assertPassSucceeds(h); // waits for the zombie's session to expire
            assertEquals(AuditRecord.ROLLED_BACK, outcomesOf(h, z).get(0));

            assertOtherWriterPublishes(h);

            assertZombieRefuses(z);
            assertFalse(h.visibleOps().contains(z.operationId), "nothing of the zombie is published");
            assertTrue(h.status().tables().stream().anyMatch(t -> t.drift() > 0), "the zombie's late commit landed in Lance");

            assertPassSucceeds(h);
            h.assertConsistent();
            assertEquals(1, h.audit().stream().filter(r -> r.outcome().equals(AuditRecord.REVERTED_FENCED)).count(), h.audit().toString());
            assertEquals(0, h.runOnce(Map.of()).exitCode());
        }
    }

    @Test
    void zombiePublishAfterRollForwardIsFencedOff(@TempDir Path dir) throws Exception {
        try (Harness h = seeded(dir)) {
            // committed both tables, passed its last lease check, stalls right before the publish
            PausedWriter z = new PausedWriter(h, "before-publish", 60);

            assertPassSucceeds(h);
            assertEquals(AuditRecord.ROLLED_FORWARD, outcomesOf(h, z).get(0));
            long version = h.status().manifestVersion();

            assertOtherWriterPublishes(h);

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
        try (Harness h = seeded(dir)) {
            PausedWriter z = new PausedWriter(h, "before-sidecar", 60);

            // waits until the zombie's session expired (its leases vanish), then publishes the same tables
            assertOtherWriterPublishes(h);

            assertZombieRefuses(z);
            assertTrue(h.sidecarExists(z.operationId), "the zombie wrote its stale sidecar after losing its leases");

            assertPassSucceeds(h);
            h.assertConsistent();
            assertFalse(h.visibleOps().contains(z.operationId), "nothing of the zombie is published");
            assertEquals(List.of(AuditRecord.ABORTED), outcomesOf(h, z));
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
        try (Harness h = seeded(dir)) {
            PausedWriter zombie = new PausedWriter(h, "before-commit:1", 60);
            assertPassSucceeds(h); // the zombie's session expires; its sidecar is aborted

            PausedWriter live = new PausedWriter(h, "after-sidecar", 120, false); // leases taken, drift checked, sidecar written
            assertEquals(3, zombie.resume(), "the zombie commits, then is refused: " + zombie.output());
            assertEquals(3, live.resume(), "its commit is rebased past the zombie's: " + live.output());
            assertTrue(h.sidecarExists(live.operationId), live.output());

            assertPassSucceeds(h);
            h.assertConsistent();
            assertFalse(h.visibleOps().contains(zombie.operationId));
            assertFalse(h.visibleOps().contains(live.operationId));
            assertEquals(List.of(AuditRecord.ROLLED_BACK), outcomesOf(h, live));
            assertEquals(0, h.runOnce(Map.of()).exitCode());
        }
    }
}
