package reconciler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import reconciler.cli.WriterLines;
import reconciler.core.AuditLog;
import reconciler.core.AuditRecord;
import reconciler.core.GraphStatus;
import reconciler.leases.EmbeddedZooKeeper;
import reconciler.manifest.Manifest;
import reconciler.storage.TableKey;
import reconciler.writer.DebianImport;
import reconciler.graph.Graph;

/**
 * A real environment for integration tests: an embedded ZooKeeper server (the real server
 * classes) in the test JVM, a graph root on disk, a config file, and the CLI run as child JVMs
 * (writers halted at failpoints, killed with SIGKILL, daemons run with {@code run --once}).
 */
final class Harness implements AutoCloseable {

    /** The input: the machine's dpkg status file (real Debian package records). */
    static final Path SOURCE = Path.of("/var/lib/dpkg/status");

    /** Where the graph root lives. */
    enum Backend { LOCAL, S3 }

    static final String BUCKET = "reconciler-it";
    static final String S3_ACCESS_KEY = "it-access-key";
    static final String S3_SECRET_KEY = "it-secret-key";

    final Path dir;
    final Backend backend;
    /** The graph root as children see it: a directory path or {@code s3://it/<prefix>}. */
    final String root;
    final Path config;
    private final S3Server s3;
    final Path auditLog;
    final EmbeddedZooKeeper zk;
    /** Every output line of every child, for PLAN/ACK bookkeeping. */
    final List<String> lines = Collections.synchronizedList(new ArrayList<>());

    Harness(Path dir, String leaseWait) throws Exception {
        this(dir, leaseWait, Backend.LOCAL);
    }

    Harness(Path dir, String leaseWait, Backend backend) throws Exception {
        this.dir = dir;
        this.backend = backend;
        this.s3 = backend == Backend.S3 ? S3Server.start(BUCKET, S3_ACCESS_KEY, S3_SECRET_KEY) : null;
        this.root = backend == Backend.S3 ? "s3://" + BUCKET + "/graph-" + java.util.UUID.randomUUID().toString().substring(0, 8)
                : dir.resolve("graph").toString();
        this.auditLog = dir.resolve("audit.jsonl");
        this.zk = EmbeddedZooKeeper.start(dir.resolve("zk"), 0, 500);
        this.config = dir.resolve("reconciler.yaml");
        String s3cfg = backend == Backend.S3 ? String.join("\n", "s3:", "  endpoint: " + s3.endpoint(), "  region: us-east-1",
                "  pathStyle: true", "  accessKeyIdEnv: RECONCILER_IT_AK", "  secretAccessKeyEnv: RECONCILER_IT_SK", "") : "";
        Files.writeString(config, String.join("\n", "graphs:", "  - " + root, "stateDir: " + dir.resolve("state"),
                "auditLog: " + auditLog, "pollInterval: 1h", "leaseWait: " + leaseWait, "zookeeper:",
                "  connect: " + zk.connectString(), "  sessionTimeout: 2s", "") + s3cfg);
        try (Graph g = graph()) {
            g.init("it", DebianImport.schema());
        }
    }

    /** The in-process S3 server's endpoint, {@code http://127.0.0.1:<port>} (S3 backend only). */
    String s3Endpoint() {
        return s3.endpoint();
    }

    /**
     * Points the config's {@code s3.endpoint} at {@code endpoint} (e.g. a fault-injecting proxy in
     * front of {@link #s3Endpoint()}): children started afterwards (writers, daemons) send all S3
     * traffic there, both our S3 client and Lance's object_store. {@link #graph()} in the test JVM
     * keeps talking to the server directly.
     */
    void setChildS3Endpoint(String endpoint) throws IOException {
        String text = Files.readString(config);
        String line = "  endpoint: " + s3.endpoint() + "\n";
        assertTrue(text.contains(line), "config has no '" + line.strip() + "'");
        Files.writeString(config, text.replace(line, "  endpoint: " + endpoint + "\n"));
    }

    /** Opens the graph root in the test JVM (the same storage code path the children use). */
    Graph graph() {
        if (backend == Backend.S3) {
            reconciler.storage.S3Location loc = reconciler.storage.S3Location.parse(root);
            return new Graph(new reconciler.storage.S3GraphStore(loc, reconciler.storage.S3Settings.forEndpoint(
                    java.net.URI.create(s3.endpoint()), "us-east-1", S3_ACCESS_KEY, S3_SECRET_KEY)));
        }
        return Graph.local(Path.of(root));
    }

    /** Whether an operation's sidecar exists. */
    boolean sidecarExists(String operationId) throws IOException {
        try (Graph g = graph()) {
            return g.store().read("_recovery/" + operationId + ".json").isPresent();
        }
    }

    /** Environment for children: credentials of the S3 backend. */
    Map<String, String> childEnv() {
        return backend == Backend.S3 ? Map.of("RECONCILER_IT_AK", S3_ACCESS_KEY, "RECONCILER_IT_SK", S3_SECRET_KEY) : Map.of();
    }

    /** A finished child process. */
    record Run(int exitCode, List<String> output) {
        String text() {
            return String.join("\n", output);
        }
    }

    /** Runs CLI children without a graph or ZooKeeper (e.g. to check usage errors). */
    static final class Runner {
        Run run(List<String> args) throws Exception {
            Process p = new ProcessBuilder(java(args)).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(2, TimeUnit.MINUTES));
            return new Run(p.exitValue(), out.lines().toList());
        }
    }

    /**
     * The children's {@code java.io.tmpdir}: lance-java unpacks its native library there on every
     * start; {@code LanceNative} unlinks it once loaded, so this directory stays free of it even
     * when children are killed.
     */
    static final Path CHILD_TMP = Path.of("target", "child-tmp").toAbsolutePath();

    /** Copies of the native libraries (Lance, Arrow C data) left in {@link #CHILD_TMP} (a leak if not empty once children are dead). */
    static List<Path> leakedNativeLibraries() throws IOException {
        if (!Files.isDirectory(CHILD_TMP)) {
            return List.of();
        }
        try (java.util.stream.Stream<Path> s = Files.list(CHILD_TMP)) {
            return s.filter(p -> reconciler.storage.LanceNative.isExtractedCopy(p.getFileName().toString())).toList();
        }
    }

    static List<String> java(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("--add-opens=java.base/java.nio=ALL-UNNAMED");
        try {
            Files.createDirectories(CHILD_TMP);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        cmd.add("-Djava.io.tmpdir=" + CHILD_TMP);
        cmd.add("-cp");
        cmd.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        cmd.add("reconciler.cli.Main");
        cmd.addAll(args);
        return cmd;
    }

    Process start(List<String> args, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(java(args)).redirectErrorStream(true);
        pb.environment().put("LANCE_LOG", "error");
        pb.environment().putAll(childEnv());
        pb.environment().putAll(env);
        return pb.start();
    }

    Run run(List<String> args, Map<String, String> env) throws Exception {
        Process p = start(args, env);
        List<String> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                out.add(line);
                lines.add(line);
            }
        }
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "child timed out: " + args);
        return new Run(p.exitValue(), out);
    }

    /** Runs the reference writer on packages [skip, skip+limit) of the dpkg status file. */
    Run importDebian(int skip, int limit, int batch, String ops, Map<String, String> env, String... extra) throws Exception {
        List<String> a = new ArrayList<>(List.of("graph", "import-debian", root, "--config", config.toString(),
                "--source", SOURCE.toString(), "--skip", Integer.toString(skip), "--limit", Integer.toString(limit),
                "--batch", Integer.toString(batch), "--ops", ops, "--lease-timeout", "30s"));
        a.addAll(List.of(extra));
        return run(a, env);
    }

    /** Starts {@code reconciler run} with output to {@code log} (a file: read it after the process ends). */
    Process startDaemon(Path config, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(java(List.of("run", "--config", config.toString())))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("LANCE_LOG", "error");
        pb.environment().putAll(childEnv());
        return pb.start();
    }

    /** A copy of this harness's config with some lines replaced. */
    Path configWith(String name, Map<String, String> replacements) throws IOException {
        String text = Files.readString(config);
        for (Map.Entry<String, String> e : replacements.entrySet()) {
            assertTrue(text.contains(e.getKey()), "config has no '" + e.getKey() + "'");
            text = text.replace(e.getKey(), e.getValue());
        }
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    /** Polls {@code condition} (state owned by other processes) until true or the timeout; fails with {@code what}. */
    static void await(java.util.concurrent.Callable<Boolean> condition, java.time.Duration timeout, String what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (true) {
            try {
                if (condition.call()) {
                    return;
                }
                last = null;
            } catch (Exception e) {
                last = e; // e.g. a read racing another process's write: look again
            }
            if (System.nanoTime() > deadline) {
                AssertionError fail = new AssertionError("timed out after " + timeout + " waiting for " + what
                        + (last == null ? "" : " (last check failed: " + last + ")"));
                if (last != null) {
                    fail.initCause(last);
                }
                throw fail;
            }
            Thread.sleep(50); // other processes change the state; there is no in-process event to await
        }
    }

    /** Sends a signal (STOP, CONT, KILL, TERM) to a process. */
    static void signal(Process p, String sig) throws Exception {
        Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).inheritIO().start();
        assertEquals(0, k.waitFor(), "kill -" + sig);
    }

    Run runOnce(Map<String, String> env) throws Exception {
        return run(List.of("run", "--once", "--config", config.toString()), env);
    }

    List<String> sidecars() throws IOException {
        try (Graph g = graph()) {
            return g.store().list("_recovery");
        }
    }

    GraphStatus status() throws IOException {
        try (Graph g = graph()) {
            return GraphStatus.of(g);
        }
    }

    List<AuditRecord> audit() throws IOException {
        try (Graph g = graph()) {
            return AuditLog.readAll(g.store());
        }
    }

    List<String> auditLogLines() throws IOException {
        return Files.exists(auditLog) ? Files.readAllLines(auditLog) : List.of();
    }

    /** Operation ids of PLAN lines, in order. */
    List<String> plannedOps(Run r) {
        return List.copyOf(WriterLines.planned(r.output()).keySet());
    }

    /** Operation ids of ACK lines. */
    List<String> ackedOps() {
        synchronized (lines) {
            return WriterLines.acked(lines);
        }
    }

    /** Operation ids the manifest published as writes or roll-forwards (visible operations). */
    List<String> visibleOps() throws IOException {
        try (Graph g = graph()) {
            return g.manifests().history(1).stream()
                    .filter(m -> m.kind().equals(Manifest.KIND_WRITE) || m.kind().equals(Manifest.KIND_ROLL_FORWARD))
                    .map(Manifest::operationId).toList();
        }
    }

    /**
     * Asserts the graph converged and every table's visible row count is exactly the sum of the
     * rows of the operations the manifest published, and that every acknowledged operation is visible.
     */
    void assertConsistent() throws IOException {
        GraphStatus s = status();
        assertTrue(s.converged(), "graph not converged: " + s);
        assertEquals(List.of(), sidecars(), "sidecars left");
        Map<String, Map<String, Long>> planned;
        synchronized (lines) {
            planned = WriterLines.planned(lines);
        }
        List<String> visible = visibleOps();
        assertTrue(visible.containsAll(ackedOps()), "an acknowledged operation is not visible");
        Map<String, Long> expected = new TreeMap<>();
        for (String op : visible) {
            Map<String, Long> rows = planned.get(op);
            assertTrue(rows != null, "visible operation " + op + " was never planned");
            rows.forEach((t, n) -> expected.merge(t, n, Long::sum));
        }
        try (Graph g = graph()) {
            Manifest m = g.manifests().require();
            for (String t : m.tables().keySet()) {
                assertEquals(expected.getOrDefault(t, 0L), g.tables().countRows(TableKey.parse(t), m.pin(t).version()),
                        "rows visible in " + t);
            }
        }
    }

    @Override
    public void close() throws Exception {
        zk.close();
        if (s3 != null) {
            s3.close();
        }
    }
}
