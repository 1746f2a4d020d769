package reconciler.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reconciler.daemon.Daemon;
import reconciler.daemon.TestConfigs;
import reconciler.graph.Graph;
import reconciler.leases.EmbeddedZooKeeper;
import reconciler.maintenance.MaintenanceJob;
import reconciler.manifest.Manifest;
import reconciler.sidecar.Sidecar;
import reconciler.writer.DebianImport;
import reconciler.writer.GraphWriter;

/**
 * {@code GET /metrics} of a daemon that healed a sidecar and ran a maintenance job: durations are
 * histograms with base units in their names, and the whole exposition passes
 * {@code promtool check metrics} (Prometheus's own linter) when promtool is installed
 * ({@code .ci/run} unpacks it from Debian's {@code prometheus} package; {@code PROMTOOL} names it).
 */
class PromtoolTest {

    @Test
    void metricsAreHistogramsInSecondsAndPromtoolFindsNoProblem(@TempDir Path dir) throws Exception {
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir.resolve("zk"), 0, 500);
             Graph g = Graph.local(dir.resolve("g"))) {
            Manifest m = g.init("g", DebianImport.schema());
            List<Sidecar.SidecarTable> st = new ArrayList<>();
            st.add(new Sidecar.SidecarTable(DebianImport.PACKAGE, m.pin(DebianImport.PACKAGE).version(), 1));
            // a writer that died after its sidecar: the daemon aborts it (a decision, an outcome, lease waits)
            g.sidecars().write(new Sidecar(Sidecar.FORMAT_VERSION, GraphWriter.newOperationId(), "import", m.graphId(), Graph.MAIN_BRANCH,
                    m.version(), GraphWriter.identity(), Instant.now(), st));
            try (Daemon d = new Daemon(TestConfigs.quiet(dir, zk.connectString(), dir.resolve("g")).build())) {
                d.start();
                MaintenanceJob job = d.maintenance().submit(m.graphId(), "recover");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!job.state().finished() || d.count("reconciler.decisions.abort") < 1) {
                    assertTrue(System.nanoTime() < deadline, "the sidecar healed and the job finished: " + job.state());
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                new MetricsExport(d.metrics()).writeText(out);
                String text = out.toString(StandardCharsets.UTF_8);

                assertTrue(text.contains("# TYPE reconciler_pass_duration_seconds histogram"), text);
                assertTrue(text.contains("reconciler_pass_duration_seconds_bucket{le=\"+Inf\"}"), text);
                assertTrue(text.contains("# TYPE reconciler_lease_wait_seconds histogram"), text);
                assertTrue(text.contains("reconciler_maintenance_job_duration_seconds_count{kind=\"recover\"} 1"), text);
                assertTrue(!text.contains("reconciler_pass{") && !text.contains("reconciler_pass_count"), "no summary without a unit left");

                String promtool = promtool();
                assumeTrue(promtool != null, "promtool is not installed (set PROMTOOL or put it on PATH)");
                Process p = new ProcessBuilder(promtool, "check", "metrics").redirectErrorStream(true).start();
                try (OutputStream in = p.getOutputStream()) {
                    in.write(text.getBytes(StandardCharsets.UTF_8));
                }
                String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool hung");
                assertEquals(0, p.exitValue(), "promtool check metrics:\n" + said);
                assertEquals("", said.strip(), "promtool check metrics found problems");
            }
        }
    }

    private static String promtool() {
        String env = System.getenv("PROMTOOL");
        if (env != null && Files.isExecutable(Path.of(env))) {
            return env;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "promtool"))) {
                return Path.of(dir, "promtool").toString();
            }
        }
        return null;
    }
}
