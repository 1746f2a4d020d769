package reconciler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import reconciler.core.AuditRecord;

/**
 * Zombie writers: a writer JVM stalls with SIGSTOP right after its last lease check, its ZooKeeper
 * session expires, the reconciler recovers its sidecar, another writer publishes; then SIGCONT.
 * Fencing tokens keep everything the zombie does afterwards out of the graph.
 */
class FencingIT {

    /** A stalled writer child: started, paused at a failpoint, then SIGSTOPped. */
    static final class Zombie {
        final Process process;
        final List<String> out = new ArrayList<>();
        final Thread reader;
        final String operationId;
        final Path resume;

        Zombie(Harness h, String failpoint, int skip) throws Exception {
            this(h, failpoint, skip, true);
        }

        /** @param stop whether to SIGSTOP it once paused (false: a live writer held at its failpoint) */
        Zombie(Harness h, String failpoint, int skip, boolean stop) throws Exception {
            resume = h.dir.resolve("resume-" + failpoint.replace(':', '-'));
            process = h.start(List.of("graph", "import-debian", h.root, "--config", h.config.toString(),
                    "--source", Harness.SOURCE.toString(), "--skip", Integer.toString(skip), "--limit", "60", "--batch", "60",
                    "--ops", "packages"), Map.of("RECONCILER_FAILPOINT", failpoint, "RECONCILER_FAILPOINT_PAUSE_UNTIL", resume.toString()));
            CountDownLatch paused = new CountDownLatch(1);
            reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
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
                    // process ended
                }
            });
            reader.start();
            assertTrue(paused.await(2, TimeUnit.MINUTES), "writer never paused");
            if (stop) {
                Harness.signal(process, "STOP");
            }
            synchronized (out) {
                operationId = out.stream().filter(l -> l.startsWith("PLAN op=")).findFirst().orElseThrow().split(" ")[1].substring(3);
            }
        }

        /** SIGCONT and let it run to its end. @return its exit code */
        int resume() throws Exception {
            Files.createFile(resume);
            Harness.signal(process, "CONT");
            assertTrue(process.waitFor(2, TimeUnit.MINUTES));
            reader.join();
            return process.exitValue();
        }

        String output() {
            synchronized (out) {
                return String.join("\n", out);
            }
        }
    }

    @Test
    void zombieCommitAfterRollBackIsRevertedAndNeverVisible(@TempDir Path dir) throws Exception {
        try (Harness h = new Harness(dir, "20s")) {
            assertEquals(0, h.importDebian(0, 60, 60, "all", Map.of()).exitCode());
            // committed edge:DependsOn, passed its lease check for node:Package, then stalls
            Zombie z = new Zombie(h, "before-commit:2", 60);

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
            Zombie z = new Zombie(h, "before-publish", 60);

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
            Zombie z = new Zombie(h, "before-sidecar", 60);

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
            Zombie zombie = new Zombie(h, "before-commit:1", 60);
            Harness.Run heal = h.runOnce(Map.of()); // the zombie's session expires; its sidecar is aborted
            assertEquals(0, heal.exitCode(), heal.text());

            Zombie live = new Zombie(h, "after-sidecar", 120, false); // leases taken, drift checked, sidecar written
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
