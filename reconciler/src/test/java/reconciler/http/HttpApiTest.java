package reconciler.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import reconciler.cli.Main;
import reconciler.daemon.Config;
import reconciler.daemon.Daemon;
import reconciler.leases.ZooKeeperLeases;
import reconciler.maintenance.HangupReload;
import reconciler.manifest.Manifest;
import reconciler.sidecar.Sidecar;
import reconciler.writer.DebianImport;
import reconciler.graph.Graph;
import reconciler.writer.GraphWriter;

/**
 * The maintenance API over real HTTP (JDK HttpClient over loopback) against a real daemon: embedded
 * ZooKeeper, a real Lance graph, bearer tokens, typed errors, async jobs, metrics, reload, the CLI.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HttpApiTest {

    static final String TOKEN = "test-token-0123456789abcdef";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    @RegisterExtension
    static final ZooKeeperLeases ZK = new ZooKeeperLeases(500);
    static Daemon daemon;
    static Path root;
    static Path configFile;
    static Path tokenFile;
    static URI base;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        root = dir.resolve("debian");
        try (Graph g = Graph.local(root)) {
            g.init("debian", DebianImport.schema());
        }
        configFile = dir.resolve("reconciler.yaml");
        writeConfig(List.of(root.toString()));
        tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, TOKEN + "\n");
        Config cfg = Config.load(configFile).withHttpToken(TOKEN);
        daemon = new Daemon(cfg);
        daemon.start();
        int port = Integer.parseInt(Files.readString(dir.resolve("state").resolve("http.port")).strip());
        assertEquals(daemon.httpPort(), port, "the chosen port is written to <stateDir>/http.port");
        base = URI.create("http://127.0.0.1:" + port);
    }

    static void writeConfig(List<String> graphs) throws Exception {
        StringBuilder sb = new StringBuilder("graphs:\n");
        graphs.forEach(g -> sb.append("  - ").append(g).append('\n'));
        sb.append("stateDir: ").append(dir.resolve("state")).append('\n')
                .append("auditLog: ").append(dir.resolve("audit.jsonl")).append('\n')
                .append("pollInterval: 1h\nleaseWait: 5s\nshutdownTimeout: 20s\n")
                .append("zookeeper:\n  connect: ").append(ZK.connectString()).append("\n  sessionTimeout: 2s\n")
                .append("http:\n  enabled: true\n  port: 0\n  threads: 3\n");
        Files.writeString(configFile, sb.toString());
    }

    @AfterAll
    static void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    record Resp(int status, JsonNode body, HttpResponse<String> raw) {
    }

    static Resp get(String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(base.resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
        return new Resp(r.statusCode(), parse(r), r);
    }

    static Resp post(String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).POST(HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Resp(r.statusCode(), parse(r), r);
    }

    static JsonNode parse(HttpResponse<String> r) throws Exception {
        String ct = r.headers().firstValue("Content-Type").orElse("");
        return ct.startsWith("application/json") ? JSON.readTree(r.body()) : null;
    }

    static JsonNode awaitJob(String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode j;
        do {
            j = get("/v1/jobs/" + id + "?wait=2s").body();
            String s = j.path("state").asText();
            if (s.equals("succeeded") || s.equals("failed") || s.equals("cancelled")) {
                return j;
            }
        } while (System.nanoTime() < deadline);
        throw new AssertionError("job " + id + " did not finish: " + j);
    }

    @Test
    @Order(1)
    void healthAndAdvertisedKinds() throws Exception {
        Resp h = get("/healthz");
        assertEquals(200, h.status());
        assertEquals("ok", h.body().path("status").asText());

        Resp k = get("/v1/maintenance-kinds");
        assertEquals(200, k.status());
        List<String> kinds = new ArrayList<>();
        k.body().path("kinds").forEach(n -> kinds.add(n.asText()));
        // only implemented kinds: the reserved names are not advertised until the indexer registers them
        assertEquals(List.of("cleanup", "compact", "recover", "reindex"), kinds, "recover plus the indexer's kinds; never analyze (not implemented)");
        assertEquals("cleanup", k.body().path("details").get(0).path("name").asText(), "details are sorted by name");
        assertFalse(k.body().path("details").get(0).path("reserved").asBoolean());
        assertTrue(k.body().path("reserved").has("reindex") && k.body().path("reserved").has("compact") && k.body().path("reserved").has("analyze"));
    }

    @Test
    @Order(2)
    void maintenanceStateIsTheDocumentedObject() throws Exception {
        Instant before = Instant.now();
        Resp r = get("/v1/graphs/debian/maintenance-state");
        assertEquals(200, r.status(), String.valueOf(r.body()));
        JsonNode s = r.body();
        assertEquals(1, s.path("formatVersion").asInt());
        assertEquals("debian", s.path("graph").asText());
        assertEquals(root.toString(), s.path("root").asText());
        assertFalse(Instant.parse(s.path("observedAt").asText()).isBefore(before.minusSeconds(1)));
        assertEquals(1, s.path("manifestVersion").asLong());
        assertEquals(0, s.path("sidecars").path("pending").asInt());
        assertTrue(s.path("sidecars").path("oldestAgeSeconds").isNull());
        assertEquals(4, s.path("tables").size());
        for (JsonNode t : s.path("tables")) {
            assertEquals(0, t.path("drift").asLong());
            assertEquals(0, t.path("rows").asLong(), t.toString());
            assertTrue(t.path("indexes").isArray());
            // computed by the thresholds the compact kind uses (was always null): an empty table needs none
            assertEquals("indexer", t.path("compaction").path("source").asText(), t.toString());
            assertFalse(t.path("compaction").path("needed").asBoolean(true), t.toString());
            assertTrue(t.path("compaction").path("detail").asText().contains("small fragment(s)"), t.toString());
        }
        assertTrue(s.path("caughtUp").asBoolean(), s.toString());
        assertEquals(0, s.path("notCaughtUp").size());
        assertTrue(s.path("kinds").has("recover"));
        assertTrue(s.path("background").has("lastPass"));
        assertTrue(s.has("owner") && s.has("ownedHere") && s.has("contributors") && s.has("error"));

        Resp all = get("/v1/graphs");
        assertEquals(200, all.status());
        assertEquals("debian", all.body().path("graphs").get(0).path("graph").asText());

        Resp missing = get("/v1/graphs/nope/maintenance-state");
        assertEquals(404, missing.status());
        assertEquals("GraphNotFound", missing.body().path("error").path("type").asText());
        assertEquals("nope", missing.body().path("error").path("graph").asText());
    }

    @Test
    @Order(3)
    void mutatingEndpointsRequireTheBearerTokenAndNeverLogIt() throws Exception {
        Logger rootLogger = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger ours = (Logger) LoggerFactory.getLogger("reconciler");
        Level old = ours.getLevel();
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        rootLogger.addAppender(logs);
        ours.setLevel(Level.DEBUG);
        String wrong = "wrong-token-0123456789abcdef";
        try {
            for (String auth : new String[] {null, "Bearer " + wrong, "Bearer " + TOKEN.substring(0, 10), "Bearer " + TOKEN + "x",
                    "Basic " + TOKEN, "Bearer ", TOKEN}) {
                Resp r = post("/v1/graphs/debian/maintenance/recover?wait=5s", auth);
                assertEquals(401, r.status(), "authorization " + auth);
                assertEquals("Unauthorized", r.body().path("error").path("type").asText());
                assertTrue(r.raw().headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
            }
            // an unknown kind is not revealed before authentication either
            assertEquals(401, post("/v1/graphs/debian/maintenance/vacuum", null).status());
            assertEquals(401, post("/v1/reload", "Bearer " + wrong).status());
            // reads need no token
            assertEquals(200, get("/v1/maintenance-kinds").status());
            Resp ok = post("/v1/graphs/debian/maintenance/recover?wait=30s", "Bearer " + TOKEN);
            assertEquals(200, ok.status(), String.valueOf(ok.body()));
        } finally {
            rootLogger.detachAppender(logs);
            ours.setLevel(old);
        }
        assertFalse(logs.list.isEmpty());
        for (ILoggingEvent e : logs.list) {
            String line = e.getFormattedMessage();
            assertFalse(line.contains(TOKEN) || line.contains(wrong) || line.contains(TOKEN.substring(0, 10)), "secret in log: " + line);
        }
        assertTrue(logs.list.stream().anyMatch(e -> e.getFormattedMessage().contains("-> 401")), "one line per refused request");
    }

    @Test
    @Order(4)
    void unadvertisedKindsAreATypedErrorNeverANoOp() throws Exception {
        for (String kind : new String[] {"analyze", "vacuum", "defrag"}) {
            Resp r = post("/v1/graphs/debian/maintenance/" + kind + "?wait=5s", "Bearer " + TOKEN);
            assertEquals(400, r.status(), kind);
            JsonNode e = r.body().path("error");
            assertEquals("UnsupportedMaintenanceKind", e.path("type").asText());
            assertEquals(kind, e.path("kind").asText());
            assertTrue(e.path("advertised").toString().contains("\"recover\""), e.toString());
            assertTrue(e.path("message").asText().contains(kind));
        }
        assertEquals(0, get("/v1/jobs").body().path("jobs").findValuesAsText("kind").stream().filter(k -> !k.equals("recover")).count(),
                "no job was created for an unsupported kind");
        Resp g = post("/v1/graphs/nope/maintenance/recover", "Bearer " + TOKEN);
        assertEquals(404, g.status());
        assertEquals("GraphNotFound", g.body().path("error").path("type").asText());
        Resp m = get("/v1/graphs/debian/maintenance/recover");
        assertEquals(405, m.status());
        assertEquals("POST", m.raw().headers().firstValue("Allow").orElse(""));
        assertEquals("NotFound", get("/v2/nothing").body().path("error").path("type").asText());
        Resp badWait = post("/v1/graphs/debian/maintenance/recover?wait=soon", "Bearer " + TOKEN);
        assertEquals(400, badWait.status());
        assertEquals("BadRequest", badWait.body().path("error").path("type").asText());
    }

    @Test
    @Order(5)
    void asyncJobIsPolledAndWaitReturnsTheFinishedJob() throws Exception {
        Resp a = post("/v1/graphs/debian/maintenance/recover", "Bearer " + TOKEN);
        assertTrue(a.status() == 202 || a.status() == 200, String.valueOf(a.status()));
        String id = a.body().path("id").asText();
        assertEquals(26, id.length());
        assertEquals("/v1/jobs/" + id, a.raw().headers().firstValue("Location").orElse(""));
        assertEquals("recover", a.body().path("kind").asText());
        assertEquals("debian", a.body().path("graph").asText());
        JsonNode done = awaitJob(id);
        assertEquals("succeeded", done.path("state").asText(), done.toString());
        assertTrue(done.path("durationMs").asLong() >= 0);
        assertEquals(1.0, done.path("progress").path("fraction").asDouble());
        assertTrue(done.path("result").path("converged").asBoolean());
        assertTrue(done.path("summary").asText().contains("converged"));

        Resp w = post("/v1/graphs/debian/maintenance/recover?wait=30s", "Bearer " + TOKEN);
        assertEquals(200, w.status());
        assertEquals("succeeded", w.body().path("state").asText());
        JsonNode s = get("/v1/graphs/debian/maintenance-state").body();
        JsonNode last = s.path("kinds").path("recover").path("lastRun");
        assertEquals(w.body().path("id").asText(), last.path("jobId").asText());
        assertEquals("succeeded", last.path("state").asText());
        assertTrue(last.path("durationMs").asLong() >= 0);
        assertEquals("maintenance", s.path("background").path("lastPass").path("trigger").asText());

        assertEquals(404, get("/v1/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV").status());
        assertTrue(get("/v1/jobs?graph=debian").body().path("jobs").size() >= 2);
    }

    @Test
    @Order(6)
    void pendingSidecarShowsInTheStateAndRecoverHealsIt() throws Exception {
        String op = GraphWriter.newOperationId();
        try (Graph g = Graph.local(root)) {
            Manifest m = g.manifests().require();
            g.sidecars().write(new Sidecar(Sidecar.FORMAT_VERSION, op, "test", "debian", "main", m.version(),
                    new Sidecar.WriterIdentity("test-host", 4242), Instant.now().minusSeconds(5),
                    List.of(new Sidecar.SidecarTable(DebianImport.PACKAGE, m.pin(DebianImport.PACKAGE).version(), 1))));
        }
        JsonNode s = get("/v1/graphs/debian/maintenance-state").body();
        assertFalse(s.path("caughtUp").asBoolean());
        assertEquals(1, s.path("sidecars").path("pending").asInt());
        assertEquals(op, s.path("sidecars").path("oldestOperationId").asText());
        assertTrue(s.path("sidecars").path("oldestAgeSeconds").asDouble() >= 4, s.path("sidecars").toString());
        assertEquals("ABORT", s.path("sidecars").path("items").get(0).path("decision").asText());
        assertTrue(s.path("notCaughtUp").get(0).asText().contains("pending sidecar"));
        assertEquals(1.0, metricsJson().path("gauges").path("reconciler.graph.debian.sidecars.pending").asDouble());
        assertEquals(0.0, metricsJson().path("gauges").path("reconciler.graph.debian.caught_up").asDouble());

        Resp r = post("/v1/graphs/debian/maintenance/recover?wait=60s", "Bearer " + TOKEN);
        assertEquals(200, r.status());
        assertEquals("succeeded", r.body().path("state").asText(), r.body().toString());
        assertEquals("ABORT", r.body().path("result").path("items").get(0).path("action").asText());
        JsonNode after = get("/v1/graphs/debian/maintenance-state").body();
        assertTrue(after.path("caughtUp").asBoolean(), after.toString());
        assertEquals(0, after.path("sidecars").path("pending").asInt());
        assertEquals(0.0, metricsJson().path("gauges").path("reconciler.graph.debian.sidecars.pending").asDouble());
        assertEquals(1.0, metricsJson().path("gauges").path("reconciler.graph.debian.caught_up").asDouble());
        assertTrue(daemon.count("reconciler.decisions.abort") >= 1);
    }

    static JsonNode metricsJson() throws Exception {
        Resp r = get("/metrics?format=json");
        assertEquals(200, r.status());
        return r.body();
    }

    @Test
    @Order(7)
    void metricsScrapeInPrometheusTextAndJmx() throws Exception {
        Resp r = get("/metrics");
        assertEquals(200, r.status());
        assertTrue(r.raw().headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        String text = r.raw().body();
        assertTrue(text.contains("reconciler_passes_total{trigger=\"maintenance\"}"), text);
        assertTrue(text.contains("reconciler_zookeeper_connected 1.0"), text);
        assertTrue(text.contains("reconciler_build_info{version="), text);
        assertTrue(text.contains("jvm_memory_used_bytes") && text.contains("process_cpu_seconds_total"), text);
        assertTrue(text.contains("reconciler_sidecar_outcomes_total{status=\"resolved\"}"), text);
        assertTrue(text.contains("reconciler_passes"), text);
        assertTrue(text.contains("reconciler_graph_sidecars{graph=\"debian\",state=\"pending\"} 0.0"), text);
        assertTrue(text.contains("reconciler_table_drift{graph=\"debian\",table=\"node:Package\"} 0.0"), text);
        assertTrue(text.contains("reconciler_maintenance_jobs_total{kind=\"recover\",state=\"succeeded\"}"), text);
        assertTrue(text.contains("reconciler_maintenance_job_duration_seconds_bucket{kind=\"recover\",le=\"+Inf\"} "), text);
        assertTrue(text.contains("reconciler_pass_duration_seconds_count"), text);
        JsonNode j = metricsJson();
        assertTrue(j.path("counters").path("reconciler.passes.maintenance").asLong() >= 1);
        assertTrue(j.path("timers").path("reconciler.pass").path("count").asLong() >= 1);
        // the recover job above aborted a sidecar under its leases: one lease wait observed
        assertTrue(j.path("timers").path("reconciler.leases.wait").path("count").asLong() >= 1, j.path("timers").toString());
        assertTrue(text.contains("reconciler_lease_wait_seconds_bucket"), text);
        assertTrue(text.contains("reconciler_lease_acquisitions_total{result=\"acquired\"}"), text);
        assertTrue(!text.contains("reconciler_leases_timeouts_total"), "renamed: it rose on healthy traffic");
        assertTrue(ManagementFactory.getPlatformMBeanServer().isRegistered(
                new ObjectName("reconciler:name=reconciler.passes.maintenance,type=counters")));
    }

    @Test
    @Order(8)
    void cliMirrorsTheApi() throws Exception {
        String[] common = {"--config", configFile.toString(), "--token-file", tokenFile.toString()};
        Cli k = cli(concat(new String[] {"kinds", "--json"}, common));
        assertEquals(0, k.code(), k.err());
        assertEquals(JSON.readTree(k.out()).path("kinds"), get("/v1/maintenance-kinds").body().path("kinds"));
        Cli kh = cli(concat(new String[] {"kinds"}, common));
        assertTrue(kh.out().lines().anyMatch(l -> l.startsWith("recover ")), kh.out());

        Cli m = cli(concat(new String[] {"maintain", root.toString(), "recover", "--wait", "--json"}, common));
        assertEquals(0, m.code(), m.err());
        JsonNode job = JSON.readTree(m.out());
        assertEquals("succeeded", job.path("state").asText());
        assertEquals("debian", job.path("graph").asText());

        Cli u = cli(concat(new String[] {"maintain", "debian", "analyze", "--wait"}, common));
        assertEquals(2, u.code());
        assertTrue(u.err().contains("UnsupportedMaintenanceKind"), u.err());

        Cli noToken = cli(new String[] {"maintain", "debian", "recover", "--config", configFile.toString()});
        assertEquals(3, noToken.code(), noToken.err());
        assertTrue(noToken.err().contains("Unauthorized"));

        Cli s = cli(concat(new String[] {"maintenance-state", "debian", "--json"}, common));
        assertEquals(0, s.code(), s.err());
        JsonNode st = JSON.readTree(s.out());
        assertEquals("debian", st.path("graph").asText());
        assertEquals(get("/v1/graphs/debian/maintenance-state").body().path("manifestVersion"), st.path("manifestVersion"));
        Cli sh = cli(concat(new String[] {"maintenance-state", "debian"}, common));
        assertTrue(sh.out().contains("caught up") && sh.out().contains("node:Package"), sh.out());

        Cli jobs = cli(concat(new String[] {"jobs", job.path("id").asText(), "--json"}, common));
        assertEquals(0, jobs.code());
        assertEquals(job.path("id"), JSON.readTree(jobs.out()).path("id"));
        Cli all = cli(concat(new String[] {"jobs", "--json"}, common));
        assertEquals(0, all.code(), all.err());
        assertTrue(JSON.readTree(all.out()).path("jobs").findValuesAsText("id").contains(job.path("id").asText()), all.out());
        Cli lines = cli(concat(new String[] {"jobs"}, common));
        assertTrue(lines.out().lines().anyMatch(l -> l.startsWith("job " + job.path("id").asText() + " recover on debian: succeeded")),
                lines.out());

        Cli down = cli(new String[] {"kinds", "--url", "http://127.0.0.1:1", "--config", configFile.toString()});
        assertEquals(4, down.code(), down.err());
        assertTrue(down.err().startsWith("error: no daemon API at http://127.0.0.1:1"), down.err());
    }

    @Test
    @Order(8)
    void backgroundMaintenanceCanBePausedAndResumed() throws Exception {
        assertEquals(401, post("/v1/graphs/debian/maintenance/pause", null).status());
        Resp p = post("/v1/graphs/debian/maintenance/pause", "Bearer " + TOKEN);
        assertEquals(200, p.status(), p.body().toString());
        assertTrue(p.body().path("backgroundPaused").asBoolean());
        assertTrue(get("/v1/graphs/debian/maintenance-state").body().path("background").path("paused").asBoolean());
        assertEquals(404, post("/v1/graphs/nope/maintenance/pause", "Bearer " + TOKEN).status());
        Resp r = post("/v1/graphs/debian/maintenance/resume", "Bearer " + TOKEN);
        assertFalse(r.body().path("backgroundPaused").asBoolean());
        assertFalse(get("/v1/graphs/debian/maintenance-state").body().path("background").path("paused").asBoolean());
    }

    @Test
    @Order(9)
    void reloadAddsAndRemovesGraphsThroughTheEndpointAndSighup() throws Exception {
        Path second = dir.resolve("second");
        try (Graph g = Graph.local(second)) {
            g.init("second", DebianImport.schema());
        }
        writeConfig(List.of(root.toString(), second.toString()));
        Resp r = post("/v1/reload", "Bearer " + TOKEN);
        assertEquals(200, r.status(), String.valueOf(r.body()));
        assertEquals(second.toString(), r.body().path("added").get(0).asText());
        assertEquals(2, get("/v1/graphs").body().path("graphs").size());
        Resp job = post("/v1/graphs/second/maintenance/recover?wait=30s", "Bearer " + TOKEN);
        assertEquals("succeeded", job.body().path("state").asText(), String.valueOf(job.body()));
        assertTrue(metricsJson().path("gauges").has("reconciler.graph.second.manifest_version"), "gauges of an added graph");

        writeConfig(List.of(root.toString()));
        Resp rm = post("/v1/reload", "Bearer " + TOKEN);
        assertEquals(second.toString(), rm.body().path("removed").get(0).asText());
        assertEquals(404, get("/v1/graphs/second/maintenance-state").status());
        JsonNode gauges = metricsJson().path("gauges");
        gauges.fieldNames().forEachRemaining(n -> assertFalse(n.startsWith("reconciler.graph.second."), "gauge of a removed graph: " + n));
        assertTrue(gauges.has("reconciler.graph.debian.manifest_version"), "the kept graph keeps its gauges");

        // an invalid file is refused naming key and line, and the graph list is kept
        Files.writeString(configFile, Files.readString(configFile) + "pollIntervall: 5s\n");
        Resp bad = post("/v1/reload", "Bearer " + TOKEN);
        assertEquals(400, bad.status());
        assertEquals("ConfigError", bad.body().path("error").path("type").asText());
        assertTrue(bad.body().path("error").path("message").asText().contains("pollIntervall"), bad.body().toString());
        assertTrue(bad.body().path("error").path("message").asText().contains("line"), bad.body().toString());
        assertEquals(1, get("/v1/graphs").body().path("graphs").size());

        // SIGHUP does the same (sun.misc.Signal, raised in this JVM)
        assumeTrue(HangupReload.installed(), "SIGHUP handler not available in this JVM");
        writeConfig(List.of(root.toString(), second.toString()));
        sun.misc.Signal.raise(new sun.misc.Signal("HUP"));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (get("/v1/graphs").body().path("graphs").size() != 2 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(2, get("/v1/graphs").body().path("graphs").size());
        assertNotNull(get("/v1/graphs/second/maintenance-state").body().path("graph").asText());
    }

    record Cli(int code, String out, String err) {
    }

    static Cli cli(String[] args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = System.out;
        PrintStream e = System.err;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = new CommandLine(new Main()).execute(args);
            return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(o);
            System.setErr(e);
        }
    }

    static String[] concat(String[] a, String[] b) {
        String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
