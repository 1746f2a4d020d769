package reconciler.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reconciler.daemon.Config;
import reconciler.daemon.Daemon;
import reconciler.graph.Graph;
import reconciler.leases.ZooKeeperLeases;
import reconciler.writer.DebianImport;

/** The HTTP surface survives what clients send: half-open requests, large bodies, HEAD, very long URLs. */
class HttpHardeningTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path dir;
    @RegisterExtension
    static final ZooKeeperLeases ZK = new ZooKeeperLeases(100);
    static Daemon daemon;
    static URI base;

    @BeforeAll
    static void start() throws Exception {
        Path root = dir.resolve("debian");
        try (Graph g = Graph.local(root)) {
            g.init("debian", DebianImport.schema());
        }
        Path cfg = dir.resolve("reconciler.yaml");
        Files.writeString(cfg, "graphs: [" + root + "]\nstateDir: " + dir.resolve("state") + "\nauditLog: " + dir.resolve("audit.jsonl")
                + "\npollInterval: 1h\nzookeeper:\n  connect: " + ZK.connectString() + "\nhttp:\n  enabled: true\n  port: 0\n  threads: 3\n");
        daemon = new Daemon(Config.load(cfg).withHttpToken("hardening-test-token-0123456789"));
        daemon.start();
        base = URI.create("http://127.0.0.1:" + daemon.httpPort());
    }

    @AfterAll
    static void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void halfOpenRequestsDoNotWedgeTheServer() throws Exception {
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) { // twice the handler threads, each stopping mid-headers
                Socket s = new Socket("127.0.0.1", base.getPort());
                OutputStream o = s.getOutputStream();
                o.write("GET /healthz HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                o.flush();
                stalled.add(s);
            }
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(base.resolve("/healthz"))
                    .timeout(Duration.ofSeconds(HttpApiServer.REQUEST_TIMEOUT_SECONDS * 3)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), "answered once the stalled requests timed out");
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
    }

    @Test
    void aLargeBodyIsRefusedUnreadBeforeAuthorization() throws Exception {
        byte[] body = new byte[(int) HttpApiServer.MAX_BODY_BYTES * 2];
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(base.resolve("/v1/reload")).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(413, r.statusCode(), r.body());
        assertEquals("PayloadTooLarge", JSON.readTree(r.body()).path("error").path("type").asText());
    }

    @Test
    void headIsAnsweredLikeGetWithoutABody() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(base.resolve("/healthz")).method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals("", r.body());
        assertTrue(Long.parseLong(r.headers().firstValue("Content-Length").orElse("0")) > 0, r.headers().toString());
    }

    @Test
    void aVeryLongUrlGetsAJsonAnswer() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(base.resolve("/v1/graphs/" + "x".repeat(20_000) + "/maintenance-state"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
    }
}
