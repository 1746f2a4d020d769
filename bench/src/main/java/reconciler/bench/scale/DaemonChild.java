package reconciler.bench.scale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A daemon ({@code reconciler run}) in a child JVM with the shipped heap settings ({@code -Xms256m
 * -Xmx2g}, dist/jvm.options) and its own embedded ZooKeeper, as a service runs it: what the
 * start-up and memory benchmarks measure from outside (HTTP {@code /readyz}, {@code /proc} RSS,
 * {@code jcmd} heap after a full GC). {@code BENCH_DAEMON_CLASSPATH} runs another build of the daemon
 * (e.g. the base branch's {@code reconciler.jar}, for a before figure); {@code BENCH_DAEMON_JAVA_OPTS}
 * adds JVM options (a flight recording).
 */
public final class DaemonChild implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Process process;
    private final Path stateDir;
    /** Nanosecond time the child was started. */
    public final long startedNanos;
    private URI base;

    private DaemonChild(Process process, Path stateDir, long startedNanos) {
        this.process = process;
        this.stateDir = stateDir;
        this.startedNanos = startedNanos;
    }

    /**
     * Writes a config for {@code roots} under {@code dir} and starts the daemon.
     *
     * @param extraYaml more top-level keys (e.g. {@code passThreads: 8})
     */
    public static DaemonChild start(Path dir, List<String> roots, Duration poll, String extraYaml) throws IOException {
        return start(dir, roots, poll, extraYaml, null);
    }

    /** As {@link #start(Path, List, Duration, String)}, with an external ZooKeeper ({@code zookeeper.connect}) unless null. */
    public static DaemonChild start(Path dir, List<String> roots, Duration poll, String extraYaml, String zkConnect) throws IOException {
        org.apache.commons.io.FileUtils.deleteDirectory(dir.toFile()); // a fresh state (ZooKeeper data, audit log) for every start
        Files.createDirectories(dir);
        int zkPort;
        try (ServerSocket s = new ServerSocket(0)) {
            zkPort = s.getLocalPort();
        }
        StringBuilder y = new StringBuilder("graphs:\n");
        roots.forEach(r -> y.append("  - ").append(r).append('\n'));
        y.append("stateDir: ").append(dir.resolve("state")).append('\n')
                .append("auditLog: ").append(dir.resolve("audit.jsonl")).append('\n')
                .append("pollInterval: ").append(poll.toMillis()).append("ms\n")
                .append("leaseWait: 5s\n")
                .append("http:\n  enabled: true\n  port: 0\n")
                .append("zookeeper:\n  ").append(zkConnect == null ? "embeddedPort: " + zkPort : "connect: " + zkConnect)
                .append("\n  sessionTimeout: 4s\n")
                .append(extraYaml);
        Path cfg = dir.resolve("reconciler.yaml");
        Files.writeString(cfg, y.toString());
        Path logback = dir.resolve("logback.xml"); // a file, so another build's classpath (BENCH_DAEMON_CLASSPATH) logs alike
        try (java.io.InputStream in = DaemonChild.class.getResourceAsStream("/child-logback.xml")) {
            Files.copy(in, logback);
        }
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xms256m", "-Xmx2g",
                "--add-opens=java.base/java.nio=ALL-UNNAMED", "-Dlogback.configurationFile=" + logback,
                "-cp", System.getenv().getOrDefault("BENCH_DAEMON_CLASSPATH", System.getProperty("java.class.path"))));
        String extra = System.getenv("BENCH_DAEMON_JAVA_OPTS"); // e.g. a flight recording of the daemon
        if (extra != null && !extra.isBlank()) {
            cmd.addAll(1, List.of(extra.trim().split("\\s+")));
        }
        cmd.addAll(List.of("reconciler.cli.Main", "run", "--config", cfg.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("daemon.log").toFile());
        pb.environment().put("LANCE_LOG", "error");
        long t0 = System.nanoTime();
        return new DaemonChild(pb.start(), dir.resolve("state"), t0);
    }

    /** Seconds since the child was started. */
    public double elapsed() {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    /** Waits for the HTTP API (its port file); @return seconds since start */
    public double awaitHttp(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Path portFile = stateDir.resolve("http.port");
        while (!Files.exists(portFile)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("daemon exited " + process.exitValue() + "; see its daemon.log");
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no HTTP port after " + timeout);
            }
            Thread.sleep(20); // a file another process writes: polling is the condition
        }
        base = URI.create("http://127.0.0.1:" + Files.readString(portFile).trim());
        return elapsed();
    }

    /** {@code GET /readyz}: the status code and the {@code first_pass} detail (or "" when absent). */
    public String[] readyz() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(base.resolve("/readyz")).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        String detail = "";
        for (JsonNode c : JSON.readTree(r.body()).path("checks")) {
            if (c.path("name").asText().equals("first_pass")) {
                detail = c.path("detail").asText();
            }
        }
        return new String[] {Integer.toString(r.statusCode()), detail};
    }

    /** Resident set size of the child, in MiB ({@code VmRSS}). */
    public double rssMiB() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        throw new IOException("no VmRSS for pid " + process.pid());
    }

    /** Heap in use after a full GC ({@code jcmd GC.run}, then {@code GC.heap_info}), in MiB. */
    public double heapAfterGcMiB() throws Exception {
        jcmd("GC.run");
        Matcher m = Pattern.compile("used (\\d+)K").matcher(jcmd("GC.heap_info"));
        if (!m.find()) {
            throw new IOException("cannot parse jcmd GC.heap_info");
        }
        return Long.parseLong(m.group(1)) / 1024.0;
    }

    /** CPU seconds the child used so far (user + system, from {@code /proc/<pid>/stat}; 100 ticks a second). */
    public double cpuSeconds() throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    }

    /** Live threads of the child (from {@code /proc}). */
    public int threads() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (l.startsWith("Threads:")) {
                return Integer.parseInt(l.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private String jcmd(String what) throws Exception {
        Path jcmd = Path.of(ProcessHandle.current().info().command().orElse("java")).resolveSibling("jcmd");
        Process p = new ProcessBuilder(Files.exists(jcmd) ? jcmd.toString() : "jcmd", Long.toString(process.pid()), what)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }

    /** The base URI of its HTTP API ({@link #awaitHttp} first). */
    public URI base() {
        return base;
    }

    /** The child's process id. */
    public long pid() {
        return process.pid();
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
