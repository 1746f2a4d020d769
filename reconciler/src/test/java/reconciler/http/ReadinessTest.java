package reconciler.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reconciler.daemon.Config;
import reconciler.daemon.Daemon;
import reconciler.graph.Graph;
import reconciler.leases.EmbeddedZooKeeper;
import reconciler.writer.DebianImport;

/**
 * {@code /readyz} and maintenance state tell the truth: a graph root without a manifest (a typo) is
 * not ready, and with the ZooKeeper session gone the daemon is not ready, no graph is caught up and
 * a maintenance job fails {@code NotReady} instead of reporting success.
 */
class ReadinessTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String TOKEN = "readiness-test-token-0123456789";
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    record Resp(int status, JsonNode body) {
    }

    static Resp send(URI base, String method, String path) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).method(method, HttpRequest.BodyPublishers.noBody())
                .header("Authorization", "Bearer " + TOKEN);
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Resp(r.statusCode(), JSON.readTree(r.body()));
    }

    static JsonNode check(JsonNode readyz, String name) {
        for (JsonNode c : readyz.path("checks")) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no check " + name + " in " + readyz);
    }

    @Test
    void aTypoedRootAndALostSessionAreNotReady() throws Exception {
        EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir.resolve("zk"), 0, 100);
        Path root = dir.resolve("debian");
        try (Graph g = Graph.local(root)) {
            g.init("debian", DebianImport.schema());
        }
        Path typo = dir.resolve("debain");
        Path cfgFile = dir.resolve("reconciler.yaml");
        Files.writeString(cfgFile, "graphs:\n  - " + root + "\n  - " + typo + "\nstateDir: " + dir.resolve("state") + "\nauditLog: "
                + dir.resolve("audit.jsonl") + "\npollInterval: 1h\nleaseWait: 1s\nzookeeper:\n  connect: " + zk.connectString()
                + "\n  sessionTimeout: 2s\n  connectTimeout: 2s\nhttp:\n  enabled: true\n  port: 0\n");
        try (Daemon daemon = new Daemon(Config.load(cfgFile).withHttpToken(TOKEN))) {
            daemon.start();
            URI base = URI.create("http://127.0.0.1:" + daemon.httpPort());
            long firstPass = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            Resp r = send(base, "GET", "/readyz");
            while (!check(r.body(), "first_pass").path("ok").asBoolean()) { // both roots checked since start
                assertTrue(System.nanoTime() < firstPass, "first pass not done: " + r.body());
                Thread.sleep(50); // polling an HTTP endpoint: no event to await
                r = send(base, "GET", "/readyz");
            }
            assertEquals("first pass: 2/2 graphs checked", check(r.body(), "first_pass").path("detail").asText());
            Resp one = send(base, "GET", "/readyz?graph=debian");
            assertEquals(200, one.status(), "a checked graph is ready on its own: " + one.body());
            assertEquals(404, send(base, "GET", "/readyz?graph=nope").status());

            assertEquals(503, r.status(), r.body().toString());
            assertEquals("not_ready", r.body().path("status").asText());
            assertTrue(check(r.body(), "zookeeper").path("ok").asBoolean());
            assertTrue(check(r.body(), "graph:" + root).path("ok").asBoolean(), r.body().toString());
            JsonNode bad = check(r.body(), "graph:" + typo);
            assertFalse(bad.path("ok").asBoolean());
            assertTrue(bad.path("detail").asText().contains("no readable manifest"), bad.toString());
            assertEquals(200, send(base, "GET", "/healthz").status(), "liveness is not readiness");

            zk.close(); // the session goes SUSPENDED, then LOST
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (check(send(base, "GET", "/readyz").body(), "zookeeper").path("ok").asBoolean()) {
                assertTrue(System.nanoTime() < deadline, "readyz still says the session is connected");
                Thread.sleep(50); // polling an HTTP endpoint: no event to await
            }
            JsonNode state = send(base, "GET", "/v1/graphs/debian/maintenance-state").body();
            assertFalse(state.path("caughtUp").asBoolean(), state.toString());
            assertTrue(state.path("notCaughtUp").get(0).asText().startsWith("NotReady"), state.toString());

            Resp job = send(base, "POST", "/v1/graphs/debian/maintenance/recover?wait=30s");
            assertEquals("failed", job.body().path("state").asText(), job.body().toString());
            assertEquals("NotReady", job.body().path("error").path("type").asText(), job.body().toString());
        }
    }
}
