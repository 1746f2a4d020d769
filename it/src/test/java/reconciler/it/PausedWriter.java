package reconciler.it;

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

/**
 * A writer child started at a failpoint and paused there ({@code RECONCILER_FAILPOINT_PAUSE_UNTIL}): a zombie
 * when SIGSTOPped once paused, a live writer holding its leases when not.
 */
final class PausedWriter {
    final Process process;
    final List<String> out = new ArrayList<>();
    final Thread reader;
    final String operationId;
    final Path resume;

    PausedWriter(Harness h, String failpoint, int skip) throws Exception {
        this(h, failpoint, skip, true);
    }

    /** @param stop whether to SIGSTOP it once paused (false: a live writer held at its failpoint) */
    PausedWriter(Harness h, String failpoint, int skip, boolean stop) throws Exception {
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
        assertTrue(paused.await(2, TimeUnit.MINUTES), "writer never reached its pause point: " + output());
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
