package reconciler.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A running CLI child JVM (writer or daemon) whose merged stdout/stderr is collected line by line,
 * so a test can wait for the line that announces a state ({@code PAUSED ...}, {@code ... is
 * SUSPENDED}) instead of guessing a delay. Closing kills it if still alive.
 */
final class Child implements AutoCloseable {

    static final String FAILPOINT = "RECONCILER_FAILPOINT";
    static final String PAUSE_UNTIL = "RECONCILER_FAILPOINT_PAUSE_UNTIL";

    final Process process;
    private final List<String> out = new ArrayList<>();
    private final Thread reader;

    private Child(Harness h, Process p) {
        this.process = p;
        this.reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    h.lines.add(line);
                    synchronized (out) {
                        out.add(line);
                        out.notifyAll();
                    }
                }
            } catch (Exception e) {
                // the process ended
            }
            synchronized (out) {
                out.notifyAll();
            }
        }, "child-" + p.pid());
        reader.setDaemon(true);
        reader.start();
    }

    static Child start(Harness h, List<String> args, Map<String, String> env) throws Exception {
        return new Child(h, h.start(args, env));
    }

    /** The reference writer on packages [skip, skip+60) ({@code --ops packages}: node:Package and edge:DependsOn). */
    static Child writer(Harness h, Path config, int skip, Map<String, String> env) throws Exception {
        return start(h, List.of("graph", "import-debian", h.root, "--config", config.toString(), "--source", Harness.SOURCE.toString(),
                "--skip", Integer.toString(skip), "--limit", "60", "--batch", "60", "--ops", "packages", "--lease-timeout", "30s"), env);
    }

    /** A long-running daemon ({@code reconciler run}). */
    static Child daemon(Harness h, Path config, Map<String, String> env) throws Exception {
        return start(h, List.of("run", "--config", config.toString()), env);
    }

    /** Waits until a line matching {@code p} was printed; fails with the output so far. @return that line */
    String awaitLine(Predicate<String> p, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (out) {
            int seen = 0;
            while (true) {
                for (; seen < out.size(); seen++) {
                    if (p.test(out.get(seen))) {
                        return out.get(seen);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || (!reader.isAlive() && seen == out.size())) {
                    throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; output:\n" + String.join("\n", out));
                }
                out.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    /** Waits as {@link #awaitLine} and returns this child, closing it if the line does not come. */
    Child afterLine(Predicate<String> p, Duration timeout, String what) throws InterruptedException {
        try {
            awaitLine(p, timeout, what);
            return this;
        } catch (Throwable t) {
            close();
            throw t;
        }
    }

    /** Whether a line containing {@code s} was printed. */
    boolean printed(String s) {
        synchronized (out) {
            return out.stream().anyMatch(l -> l.contains(s));
        }
    }

    /** The operation id of the first PLAN line. */
    String plannedOp() throws InterruptedException {
        return awaitLine(l -> l.startsWith("PLAN op="), Duration.ofMinutes(2), "a PLAN line").split(" ")[1].substring(3);
    }

    /** Waits for the exit. @return the exit code */
    int waitFor(Duration timeout) throws InterruptedException {
        assertTrue(process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS), "child did not exit within " + timeout + ":\n" + text());
        reader.join(10_000);
        return process.exitValue();
    }

    String text() {
        synchronized (out) {
            return String.join("\n", out);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
