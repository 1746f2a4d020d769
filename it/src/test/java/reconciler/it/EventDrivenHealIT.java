package reconciler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With the safety poll set to an hour, a running daemon still heals a crashed writer within about
 * the session timeout: the writer's lease nodes vanish with its session and the watch fires.
 */
class EventDrivenHealIT {

    @Test
    void daemonHealsOnTheWatchNotThePoll(@TempDir Path dir) throws Exception {
        try (Harness h = new Harness(dir, "20s")) {
            assertEquals(0, h.importDebian(0, 60, 60, "all", Map.of()).exitCode());
            Path log = dir.resolve("daemon.log");
            Process daemon = h.startDaemon(h.config, log);
            try {
                Harness.await(() -> Files.exists(log) && Files.readString(log).contains("started"), Duration.ofSeconds(60), "daemon start");
                Harness.Run crash = h.importDebian(60, 60, 60, "packages", Map.of("RECONCILER_FAILPOINT", "after-commit:1"));
                assertEquals(77, crash.exitCode());
                // With a 1 h safety poll, a heal within the wait (and the log checks below) can only be the watch's.
                Harness.await(() -> h.sidecars().isEmpty(), Duration.ofSeconds(30), "the daemon to heal the sidecar");
                h.assertConsistent();
            } finally {
                daemon.destroy();
                daemon.waitFor(60, TimeUnit.SECONDS);
            }
            String out = Files.readString(log);
            assertTrue(out.contains("(watch)"), out);
            assertTrue(List.of(out.split("\n")).stream().noneMatch(l -> l.contains("(poll)") && l.contains("1 item(s)")),
                    "the heal came from a watch, not the poll: " + out);
        }
    }
}
