package reconciler.bench.chaos;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.IntFunction;

/**
 * One child JVM slot of the chaos loop (a writer or a daemon) across its incarnations: started,
 * signalled (SIGKILL, SIGSTOP, SIGCONT, SIGTERM with {@code kill(1)}) and restarted. A writer's
 * stdout is read line by line, handed to a listener and copied to {@code <log>.out}; its stderr,
 * and a daemon's whole output, are appended to {@code log}.
 */
final class Child {

    final String name;
    private final IntFunction<List<String>> command;
    private final Map<String, String> env;
    private final Path log;
    private final BiConsumer<Child, String> listener;
    private Process process;
    private Thread reader;
    private int incarnations;
    /** Writers: the operation of the last PLAN line with no ACK/REFUSED/FAILED yet, or null. */
    private volatile String inFlight;

    /**
     * @param command the command line of incarnation n (1-based)
     * @param listener receives each stdout line (writers); {@code null} sends stdout to {@code log} too (daemons)
     */
    Child(String name, IntFunction<List<String>> command, Map<String, String> env, Path log, BiConsumer<Child, String> listener) {
        this.name = name;
        this.command = command;
        this.env = Map.copyOf(env);
        this.log = log;
        this.listener = listener;
    }

    /** Starts a new incarnation. @throws IllegalStateException if one is running */
    synchronized void start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is running");
        }
        ProcessBuilder pb = new ProcessBuilder(command.apply(incarnations + 1)).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        if (listener == null) {
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        }
        pb.environment().put("LANCE_LOG", "error");
        pb.environment().putAll(env);
        inFlight = null;
        process = pb.start();
        incarnations++;
        if (listener != null) {
            Process p = process;
            reader = new Thread(() -> read(p), name + "-stdout");
            reader.setDaemon(true);
            reader.start();
        }
    }

    private void read(Process p) {
        Path out = log.resolveSibling(log.getFileName() + ".out");
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             java.io.Writer copy = java.nio.file.Files.newBufferedWriter(out, StandardCharsets.UTF_8,
                     java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND)) {
            String line;
            while ((line = r.readLine()) != null) {
                copy.write(line + "\n");
                copy.flush();
                if (line.startsWith("PLAN op=")) {
                    inFlight = line.split(" ")[1].substring("op=".length());
                } else if (line.startsWith("ACK ") || line.startsWith("REFUSED ") || line.startsWith("FAILED ")) {
                    inFlight = null;
                }
                listener.accept(this, line);
            }
        } catch (IOException e) {
            // the process went away: its pipe is closed
        }
    }

    /** Whether the current incarnation is alive. */
    synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    /** The current incarnation's pid. */
    synchronized long pid() {
        return process.pid();
    }

    /** SIGKILLs the current incarnation, if any, without waiting (shutdown hooks). */
    synchronized void destroyForcibly() {
        if (process != null) {
            process.destroyForcibly();
        }
    }

    /** The exit code of the current incarnation, which must have ended. */
    synchronized int exitCode() {
        return process.exitValue();
    }

    /** The last {@code lines} lines of the log file (for reports of a child that died by itself). */
    String logTail(int lines) {
        try {
            List<String> all = java.nio.file.Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /** How many times this slot was started. */
    synchronized int incarnations() {
        return incarnations;
    }

    /** The operation the writer announced and has not finished (read after {@link #kill()} it is final), or null. */
    String inFlight() {
        return inFlight;
    }

    /** Sends {@code sig} (KILL, STOP, CONT, TERM) to the current incarnation. */
    synchronized void signal(String sig) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start(); // "no such process" when it already died: checked below
        if (k.waitFor() != 0 && process.isAlive()) {
            throw new IOException("kill -" + sig + " " + process.pid() + " failed");
        }
    }

    /** SIGKILL, then waits for the process to end and for its stdout to be read to the end. */
    void kill() throws IOException, InterruptedException {
        signal("KILL");
        awaitExit(30);
    }

    /**
     * Waits up to {@code seconds} for the current incarnation to end and its stdout to be read.
     *
     * @return its exit code
     * @throws IOException if it did not end in time
     */
    int awaitExit(long seconds) throws IOException, InterruptedException {
        Process p;
        Thread r;
        synchronized (this) {
            p = process;
            r = reader;
        }
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new IOException(name + " (pid " + p.pid() + ") did not end within " + seconds + " s");
        }
        if (r != null) {
            r.join(TimeUnit.SECONDS.toMillis(seconds));
        }
        return p.exitValue();
    }
}
