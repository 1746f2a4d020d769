package reconciler.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reconciler.daemon.Config;
import reconciler.daemon.Daemon;
import reconciler.leases.ZooKeeperLeases;
import reconciler.manifest.Manifest;
import reconciler.sidecar.Sidecar;
import reconciler.writer.DebianImport;
import reconciler.graph.Graph;
import reconciler.writer.GraphWriter;

/** The harness client against a real daemon over loopback HTTP. */
class ReconcilerClientIT {

    static final String TOKEN = "client-test-token-0123456789";

    @TempDir
    static Path dir;
    @RegisterExtension
    static final ZooKeeperLeases ZK = new ZooKeeperLeases(500);
    static Daemon daemon;
    static Path root;
    static ReconcilerClient client;

    @BeforeAll
    static void start() throws Exception {
        root = dir.resolve("debian");
        try (Graph g = Graph.local(root)) {
            g.init("debian", DebianImport.schema());
        }
        reconciler.daemon.ConfigBuilder cfg = Config.builder();
        cfg.graphs = List.of(root.toString());
        cfg.stateDir = dir.resolve("state").toString();
        cfg.auditLog = dir.resolve("audit.jsonl").toString();
        cfg.pollInterval = Duration.ofSeconds(1); // background maintenance heals on its own
        cfg.leaseWait = Duration.ofSeconds(5);
        cfg.zookeeper.connect = ZK.connectString();
        cfg.zookeeper.sessionTimeout = Duration.ofSeconds(2);
        cfg.http.enabled = true;
        cfg.http.port = 0;
        cfg.http.withToken(TOKEN);
        daemon = new Daemon(cfg.build());
        daemon.start();
        URI base = ReconcilerClient.baseFromPortFile(dir.resolve("state"));
        assertEquals(daemon.httpPort(), base.getPort());
        client = ReconcilerClient.builder(base).token(TOKEN).build();
    }

    @AfterAll
    static void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void kindsStateAndMaintenance() throws Exception {
        assertEquals(List.of("cleanup", "compact", "recover", "reindex"), client.maintenanceKinds());
        assertTrue(client.maintenanceKindsDetailed().path("reserved").has("reindex"));
        MaintenanceState s = client.maintenanceState("debian");
        assertEquals("debian", s.graph());
        assertEquals(1, s.manifestVersion());
        assertNotNull(s.observedAt());
        assertEquals(1, client.graphs().size());
        assertEquals(null, s.declaredIndex(DebianImport.PACKAGE, "description", "INVERTED"));

        Job async = client.runMaintenanceAsync("debian", "recover");
        assertEquals(26, async.id().length());
        Job done = client.awaitJob(async.id(), Duration.ofSeconds(30));
        assertTrue(done.succeeded(), done.raw().toString());

        Job waited = client.runMaintenance("debian", "recover", Duration.ofSeconds(30));
        assertTrue(waited.finished() && waited.succeeded());
        assertNotNull(waited.durationMs());
        assertTrue(waited.result().path("converged").asBoolean());
        assertEquals(waited.id(), client.maintenanceState("debian").raw().path("kinds").path("recover").path("lastRun").path("jobId").asText());
        assertTrue(client.metricsText().contains("reconciler_passes_total{trigger=\"maintenance\"}"));
    }

    @Test
    void typedErrors() throws Exception {
        UnsupportedMaintenanceKindException u = assertThrows(UnsupportedMaintenanceKindException.class,
                () -> client.runMaintenance("debian", "analyze", Duration.ofSeconds(5)));
        assertEquals(400, u.status());
        assertEquals("analyze", u.kind(), "analyze is reserved but not implemented, so it is not advertised");
        assertEquals(List.of("cleanup", "compact", "recover", "reindex"), u.advertised());

        ReconcilerApiException g = assertThrows(ReconcilerApiException.class, () -> client.maintenanceState("nope"));
        assertEquals("GraphNotFound", g.type());
        assertEquals(404, g.status());

        ReconcilerClient wrong = ReconcilerClient.builder(client.base()).token("not-the-token-0123456789").build();
        ReconcilerApiException a = assertThrows(ReconcilerApiException.class, () -> wrong.runMaintenanceAsync("debian", "recover"));
        assertEquals(401, a.status());
        assertEquals("Unauthorized", a.type());
        assertFalse(a.getMessage().contains("not-the-token"), "the token never appears in exceptions");
        ReconcilerClient none = ReconcilerClient.builder(client.base()).build();
        assertEquals(401, assertThrows(ReconcilerApiException.class, () -> none.reload()).status());
    }

    @Test
    void backgroundMaintenanceCatchesUpAndTheClientSeesIt() throws Exception {
        try (Graph g = Graph.local(root)) {
            Manifest m = g.manifests().require();
            g.sidecars().write(new Sidecar(Sidecar.FORMAT_VERSION, GraphWriter.newOperationId(), "test", "debian", "main", m.version(),
                    new Sidecar.WriterIdentity("test-host", 4242), Instant.now(),
                    List.of(new Sidecar.SidecarTable(DebianImport.PACKAGE, m.pin(DebianImport.PACKAGE).version(), 1))));
        }
        // the daemon's safety poll (1 s here) recovers it without any maintenance request
        MaintenanceState s = client.awaitCaughtUp("debian", Duration.ofSeconds(30));
        assertTrue(s.caughtUp(), s.notCaughtUp().toString());
        assertEquals(0, s.pendingSidecars());
        assertTrue(Files.exists(dir.resolve("audit.jsonl")));
    }
}
