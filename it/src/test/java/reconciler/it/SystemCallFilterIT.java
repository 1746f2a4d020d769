package reconciler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.DatagramPacket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXDatagramSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * The daemon runs under the unit's {@code SystemCallFilter=@system-service} (systemd/reconciler.service):
 * the same allow-list systemd would install (expanded by {@code systemd-analyze syscall-filter},
 * loaded with libseccomp by {@code syscall-filter-exec.py}; any other system call kills the process
 * with SIGSYS), without systemd as PID 1. Under it the daemon starts its embedded ZooKeeper and HTTP
 * API, sends READY=1, heals a crashed writer (Lance native code, the liveness proof reading /proc)
 * and stops cleanly on SIGTERM.
 */
class SystemCallFilterIT {

    static final Path WRAPPER = Path.of("src", "test", "resources", "syscall-filter-exec.py").toAbsolutePath();

    @Test
    void daemonStartsHealsAndStopsUnderTheSystemServiceFilter(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")) && Files.isExecutable(Path.of("/usr/bin/systemd-analyze")),
                "needs /usr/bin/python3 and systemd-analyze");
        Process probe = new ProcessBuilder("/usr/bin/python3", "-c", "import seccomp").redirectErrorStream(true).start();
        assumeTrue(probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0, "needs python3-seccomp (libseccomp's bindings)");

        try (Harness h = new Harness(dir, "20s");
             AFUNIXDatagramSocket systemd = AFUNIXDatagramSocket.newInstance()) {
            Files.writeString(h.config, Files.readString(h.config).replace("pollInterval: 1h", "pollInterval: 1s"));
            assertEquals(0, h.importDebian(0, 60, 60, "all", Map.of()).exitCode());
            assertEquals(77, h.importDebian(60, 60, 60, "packages", Map.of("RECONCILER_FAILPOINT", "after-commit:1")).exitCode());
            assertEquals(1, h.sidecars().size());

            Path socket = dir.resolve("notify");
            systemd.bind(AFUNIXSocketAddress.of(socket));
            systemd.setSoTimeout(90_000);
            List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", WRAPPER.toString(), "@system-service", "--"));
            cmd.addAll(Harness.java(List.of("run", "--config", h.config.toString())));
            Path log = dir.resolve("daemon.log");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("LANCE_LOG", "error");
            pb.environment().put("NOTIFY_SOCKET", socket.toString());
            Process daemon = pb.start();
            try {
                String ready = "";
                while (!ready.startsWith("READY=1")) {
                    DatagramPacket p = new DatagramPacket(new byte[4096], 4096);
                    try {
                        systemd.receive(p);
                    } catch (SocketTimeoutException e) {
                        throw new AssertionError("no READY=1 within 90 s; daemon log:\n" + Files.readString(log), e);
                    }
                    ready = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                while (!(h.sidecars().isEmpty() && h.status().converged()) && System.nanoTime() < deadline) {
                    assertTrue(daemon.isAlive(), "the daemon died under the filter:\n" + Files.readString(log));
                    Thread.sleep(100); // polling the graph on disk: the daemon is another process
                }
                h.assertConsistent();
                assertEquals(1, h.audit().size());
            } finally {
                daemon.destroy(); // SIGTERM
                assertTrue(daemon.waitFor(60, TimeUnit.SECONDS), "daemon did not stop on SIGTERM");
            }
            String out = Files.readString(log);
            assertTrue(out.contains("syscall-filter-exec: @system-service:"), out);
            assertEquals(143, daemon.exitValue(), "SIGSYS (159) means a system call outside the filter:\n" + out);
            assertTrue(out.contains("reconciler stopped"), out);
            assertFalse(out.contains("Bad system call"), out);
        }
    }
}
