package reconciler.indexer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import com.fasterxml.jackson.core.type.TypeReference;
import org.lance.compaction.CompactionTask;
import org.lance.compaction.RewriteResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reconciler.graph.Graph;
import reconciler.storage.Json;
import reconciler.storage.TableKey;

/**
 * Writers first (docs/indexes.md, "Writers first"): runs the expensive, lease-free part of
 * maintenance — a staged index build (vector training, segment builds) and the rewrite of a
 * compaction task — in a child JVM under {@code nice -n 19} and {@code ionice -c 3} (the idle
 * I/O class), so that on a busy host it gets only the CPU and disk writers leave, without
 * systemd. Everything that holds a lease (the sidecar, the commit, the publish) stays in the
 * calling process at its own priority, so a writer never waits for a lease held by a
 * low-priority process (no priority inversion). A child per build or task; it exits when done,
 * and exits if its parent dies. Where {@code nice} or {@code ionice} is missing, the child runs
 * without it (logged once).
 */
public final class LowPriorityWorker {
    private static final Logger LOG = LoggerFactory.getLogger(LowPriorityWorker.class);

    /** The child's main class in the daemon (it calls {@link StagedWork#serve}). */
    public static final String MAIN_CLASS = "reconciler.maintenance.StagedWorkerMain";

    private final List<String> command;
    private final String describe;
    private final Set<Process> live = ConcurrentHashMap.newKeySet();
    private volatile String lastPriority = "";

    private LowPriorityWorker(List<String> command, String describe) {
        this.command = List.copyOf(command);
        this.describe = describe;
    }

    /**
     * A worker running {@link #MAIN_CLASS} with this JVM's {@code java} and class path, under
     * {@code nice -n <nice>} and, if {@code idleIo}, {@code ionice -c 3}.
     *
     * @param nice niceness 0..19 (0: no {@code nice})
     * @param idleIo whether to use the idle I/O scheduling class
     */
    public static LowPriorityWorker forThisJvm(int nice, boolean idleIo) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens=java.base/java.nio=ALL-UNNAMED", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        Path shm = Path.of("/dev/shm");
        if (java.nio.file.Files.isDirectory(shm) && java.nio.file.Files.isWritable(shm)) {
            // lance-java unpacks its native library (about 180 MB) into java.io.tmpdir at every start: on disk those
            // are dirty pages that writers' fsyncs then wait for; in tmpfs they never reach the disk
            cmd.add("-Djava.io.tmpdir=" + shm);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), MAIN_CLASS));
        return of(cmd, nice, idleIo);
    }

    /**
     * A worker running {@code javaCommand} (a command line ending in a main class that calls
     * {@link StagedWork#serve}) under {@code nice}/{@code ionice} where available.
     */
    public static LowPriorityWorker of(List<String> javaCommand, int nice, boolean idleIo) {
        if (nice < 0 || nice > 19) {
            throw new IllegalArgumentException("nice must be 0..19: " + nice);
        }
        List<String> cmd = new ArrayList<>();
        List<String> parts = new ArrayList<>();
        if (idleIo && works("ionice", "-c", "3", "true")) {
            cmd.addAll(List.of("ionice", "-c", "3"));
            parts.add("ionice idle");
        } else if (idleIo) {
            LOG.warn("ionice -c 3 is not available here: index builds and compaction run at the normal I/O priority");
        }
        if (nice > 0 && works("nice", "-n", Integer.toString(nice), "true")) {
            cmd.addAll(List.of("nice", "-n", Integer.toString(nice)));
            parts.add("nice " + nice);
        } else if (nice > 0) {
            LOG.warn("nice is not available here: index builds and compaction run at the normal CPU priority");
        }
        cmd.addAll(javaCommand);
        return new LowPriorityWorker(cmd, parts.isEmpty() ? "child process" : "child process, " + String.join(", ", parts));
    }

    /** The full command line of a child. */
    public List<String> command() {
        return command;
    }

    /** E.g. {@code child process, ionice idle, nice 19}. */
    @Override
    public String toString() {
        return describe;
    }

    /** The priority the last child reported for itself: {@code "<nice> <io class>"}, e.g. {@code "19 idle"}; empty before. */
    public String lastPriority() {
        return lastPriority;
    }

    /** Kills every child of this worker still running (stopping); their work is staged, never committed. */
    public void destroyLive() {
        for (Process p : live) {
            stop(p);
        }
    }

    /** SIGTERM first, so that the child's JVM deletes the native library it unpacked; SIGKILL after 5 s. */
    private static void stop(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** A staged build of {@code task} in a child; trains (or reuses) the vector model as {@link IndexBuilder#build} does. */
    IndexBuilder.Built build(Graph graph, IndexBuilder.Task task, MaintenanceOptions opts, ProgressTracker tracker,
                             Map<String, IndexBuilder.VectorModel> models, String modelKey) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        opts.failpoints().hit(IndexMaintenance.KIND_INDEX_BUILD, "building", task.table() + "/" + task.spec().name());
        IndexBuilder.VectorModel cached = task.mode() == IndexBuilder.Mode.INCREMENTAL ? models.get(modelKey) : null;
        TableKey key = TableKey.parse(task.table());
        Map<String, Object> res = run(StagedWork.buildRequest(graph.store().tableUri(key), graph.store().storageOptions(), task, opts, cached),
                tracker, task.table() + "/" + task.spec().name());
        IndexBuilder.VectorModel trained = StagedWork.model(res.get("model"));
        if (trained != null) {
            models.put(modelKey, trained);
        }
        return new IndexBuilder.Built(task, StagedWork.segments(res), (System.nanoTime() - t0) / 1_000_000);
    }

    /** Rewrites one compaction task of {@code key} at {@code version} in a child. */
    RewriteResult compact(Graph graph, TableKey key, long version, CompactionTask task, ProgressTracker tracker)
            throws IOException, InterruptedException {
        Map<String, Object> res = run(StagedWork.compactRequest(graph.store().tableUri(key), graph.store().storageOptions(), version, task),
                tracker, key + " compaction");
        return (RewriteResult) StagedWork.deserialize((String) res.get("result"));
    }

    private Map<String, Object> run(Map<String, Object> request, ProgressTracker tracker, String what) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p = pb.start();
        live.add(p);
        String result = null;
        String error = null;
        try {
            try (OutputStream os = p.getOutputStream()) { // the request may carry storage credentials: stdin, never argv
                os.write(Json.LINE.writeValueAsBytes(request));
            }
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("PHASE ")) {
                        tracker.phase(line.substring(6));
                    } else if (line.startsWith("PROGRESS ")) {
                        tracker.advance(Long.parseLong(line.substring(9).trim()));
                    } else if (line.startsWith("PRIORITY ")) {
                        lastPriority = line.substring(9).trim();
                    } else if (line.startsWith("RESULT ")) {
                        result = line.substring(7);
                    } else if (line.startsWith("ERROR ")) {
                        error = line.substring(6);
                    }
                }
            }
            int rc = p.waitFor();
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while the worker for " + what + " ran");
            }
            if (result == null) {
                throw new IllegalStateException("low-priority worker for " + what + " failed (exit " + rc + "): "
                        + (error == null ? "no result" : error));
            }
            LOG.debug("{} done in a {} (reported priority {})", what, describe, lastPriority);
            return Json.LINE.readValue(result, new TypeReference<Map<String, Object>>() { });
        } finally {
            live.remove(p);
            if (p.isAlive()) {
                stop(p);
            }
        }
    }

    private static boolean works(String... cmd) {
        try {
            return new ProcessBuilder(cmd).redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
