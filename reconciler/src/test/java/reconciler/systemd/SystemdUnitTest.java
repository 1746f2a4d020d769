package reconciler.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reconciler.daemon.Config;

/** systemd/reconciler.service parses cleanly and keeps its promises (sandbox, stop bound, reload). */
class SystemdUnitTest {

    static final Path UNIT = Path.of("..", "systemd", "reconciler.service");

    @Test
    void unitVerifiesWithExitZeroAndNothingOnStderr() throws Exception {
        assumeTrue(Files.isRegularFile(UNIT), "systemd/reconciler.service not found from " + Path.of("").toAbsolutePath());
        Path tool = Path.of("/usr/bin/systemd-analyze");
        assumeTrue(Files.isExecutable(tool) || Files.isExecutable(Path.of("/bin/systemd-analyze")), "systemd-analyze is not installed");
        Process p = new ProcessBuilder(List.of("systemd-analyze", "verify", UNIT.toAbsolutePath().toString())).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "systemd-analyze hung");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        // unknown keys and bad values only warn on stderr with exit 0 (dependencies.md §10)
        assertEquals("", err, "systemd-analyze verify stderr");
        assertEquals(0, p.exitValue(), out + err);
    }

    @Test
    void unitIsSandboxedRestartsAndBoundsTheStopAboveShutdownTimeout() throws Exception {
        assumeTrue(Files.isRegularFile(UNIT));
        Map<String, String> keys = new HashMap<>();
        for (String line : Files.readAllLines(UNIT)) {
            String l = line.strip();
            int eq = l.indexOf('=');
            if (!l.startsWith("#") && eq > 0) {
                keys.put(l.substring(0, eq), l.substring(eq + 1));
            }
        }
        assertEquals("notify", keys.get("Type"), "the daemon sends READY=1 (ServiceNotifierTest)");
        assertEquals("main", keys.get("NotifyAccess"), "java is the main process and sends its own notifications");
        Duration watchdog = Duration.ofSeconds(Long.parseLong(keys.get("WatchdogSec")));
        assertTrue(watchdog.compareTo(Duration.ofSeconds(60)) >= 0, "a pass may wait leaseWait (30 s) for a lease: " + watchdog);
        assertEquals("on-failure", keys.get("Restart"));
        assertEquals("reconciler", keys.get("User"));
        assertEquals("strict", keys.get("ProtectSystem"));
        assertEquals("yes", keys.get("NoNewPrivileges"));
        assertEquals("yes", keys.get("PrivateTmp"));
        assertTrue(keys.get("ReadWritePaths").contains("/var/lib/reconciler"));
        assertTrue(keys.get("ExecReload").contains("-HUP"));
        assertTrue(keys.get("ExecStart").contains("--add-opens=java.base/java.nio=ALL-UNNAMED"));
        assertEquals("143", keys.get("SuccessExitStatus"));
        assertTrue(!keys.containsKey("MemoryDenyWriteExecute"), "the JVM JIT needs W+X memory");
        assertEquals("@system-service", keys.get("SystemCallFilter"), "the filter SystemCallFilterIT runs the daemon under");
        Duration stop = Duration.ofSeconds(Long.parseLong(keys.get("TimeoutStopSec")));
        Path shipped = Path.of("..", "conf", "reconciler.yaml");
        Duration graceful = Files.isRegularFile(shipped) ? Config.load(shipped).shutdownTimeout : new Config().shutdownTimeout;
        assertTrue(stop.compareTo(graceful.plusSeconds(10)) >= 0,
                "TimeoutStopSec " + stop + " must exceed shutdownTimeout " + graceful + " with a margin");
    }
}
