package reconciler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local liveness proof end to end (docs/leases.md): writer and daemon processes on this host
 * with a 30 s ZooKeeper session. A writer SIGKILLed between its commits, or halted there
 * ({@code Runtime.halt}, exit 77), is healed within seconds because the daemon breaks its lease;
 * a stopped (SIGSTOP) writer is alive and keeps its lease.
 */
class LocalLivenessHealIT {
    private static final Duration HEAL = Duration.ofSeconds(5);

    private static Path config(Harness h) throws Exception {
        return h.configWith("liveness.yaml", Map.of("  sessionTimeout: 2s", "  sessionTimeout: 30s"));
    }

    /** The daemon on {@code cfg}, once it says it started. */
    private static Child startedDaemon(Harness h, Path cfg) throws Exception {
        return Child.daemon(h, cfg, Map.of()).afterLine(l -> l.contains("started"), Duration.ofMinutes(1), "the daemon to start");
    }

    /** A writer of 60 packages paused between its two commits (leases held, sidecar written, node:Package committed) until {@code resume} exists. */
    private static Child writerPausedBetweenCommits(Harness h, Path cfg, Path resume) throws Exception {
        return Child.writer(h, cfg, 60, Map.of(Child.FAILPOINT, "after-commit:1", Child.PAUSE_UNTIL, resume.toString()))
                .afterLine(l -> l.startsWith("PAUSED after-commit:1"), Duration.ofMinutes(2), "the writer paused between its commits");
    }

    @Test
    void sigkilledAndHaltedWritersAreHealedLongBeforeTheirSessionExpires(@TempDir Path dir) throws Exception {
        try (Harness h = new Harness(dir, "20s")) {
            Path cfg = config(h);
            try (Child d = startedDaemon(h, cfg)) {
                d.awaitLine(l -> l.contains("local liveness proof on"), Duration.ofMinutes(1), "the daemon's liveness proof");
                // 1. SIGKILL between the two commits (leases held, sidecar written, node:Package committed)
                long pid;
                try (Child w = writerPausedBetweenCommits(h, cfg, dir.resolve("never"))) {
                    assertEquals(1, h.sidecars().size());
                    pid = w.process.pid();
                    w.process.destroyForcibly();
                    long t0 = System.nanoTime();
                    Harness.await(() -> h.sidecars().isEmpty(), HEAL, "the daemon to heal the SIGKILLed writer");
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    assertTrue(ms < 5_000, "healed " + ms + " ms after the kill (session 30 s)");
                }
                d.awaitLine(l -> l.contains("lease broken: holder pid " + pid + " dead on this host"), Duration.ZERO, "the break");
                h.assertConsistent();
                assertTrue(h.audit().stream().anyMatch(r -> r.writerPid() == pid
                        && r.reason().contains("(leases freed early: lease broken: holder pid " + pid + " dead on this host")),
                        "the audit record says which path freed the leases: " + h.audit());
                // 2. Runtime.halt at the failpoint (exit 77): the kernel drops its locks the same way
                Harness.Run halted = h.importDebian(120, 60, 60, "packages", Map.of(Child.FAILPOINT, "after-commit:1"));
                assertEquals(77, halted.exitCode());
                Harness.await(() -> h.sidecars().isEmpty(), HEAL, "the daemon to heal the halted writer");
                h.assertConsistent();
                // both writers' two leases (node:Package, edge:DependsOn) went by the proof, none by session expiry
                Harness.await(() -> d.text().lines().filter(l -> l.contains("lease broken: holder pid")).count() == 4, HEAL,
                        "four broken leases in the daemon's log");
            }
        }
    }

    @Test
    void stoppedWriterIsAliveAndKeepsItsLease(@TempDir Path dir) throws Exception {
        try (Harness h = new Harness(dir, "20s")) {
            Path cfg = config(h);
            try (Child d = startedDaemon(h, cfg)) {
                Path resume = dir.resolve("resume");
                try (Child w = writerPausedBetweenCommits(h, cfg, resume)) {
                    Harness.signal(w.process, "STOP");
                    try {
                        // nothing can wake the daemon's proof: the stopped writer holds its local lock. A bounded look.
                        Thread.sleep(3000);
                        assertEquals(1, h.sidecars().size(), "the stopped writer's operation is left alone");
                        assertFalse(d.printed("lease broken"), d.text());
                    } finally {
                        Harness.signal(w.process, "CONT");
                    }
                    java.nio.file.Files.createFile(resume);
                    assertEquals(0, w.waitFor(Duration.ofMinutes(1)), w.text());
                }
                assertEquals(List.of(), h.sidecars());
                assertFalse(d.printed("lease broken"), d.text());
                h.assertConsistent();
            }
        }
    }
}
