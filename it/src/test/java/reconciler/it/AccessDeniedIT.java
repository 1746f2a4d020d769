package reconciler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reconciler.core.AuditRecord;

/**
 * EACCES on each protocol directory of a local graph root, with real processes. Root bypasses
 * permission bits, so the faulty child JVM runs as {@code nobody} (uid/gid 65534) through
 * {@code setpriv}, keeping only {@code CAP_DAC_READ_SEARCH} (ambient) so that it can read the
 * Maven repository under {@code /root}: it reads everything but writes only where the mode
 * allows. The graph root is handed to {@code nobody} except the directory under test, which
 * stays root's (0755, recursively). Skipped with a message where {@code setpriv} or ambient
 * capabilities are unavailable. Each case checks the error names the path, nothing partial is
 * left, and a privileged pass converges afterwards.
 */
class AccessDeniedIT {

    static final String NOBODY = "65534";
    static final List<String> SETPRIV = List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
            "--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search", "--");

    static void sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", cmd) + ": " + out);
    }

    static void assumeUnprivilegedChildren() throws Exception {
        Process p;
        try {
            List<String> probe = new ArrayList<>(SETPRIV);
            probe.add("true");
            p = new ProcessBuilder(probe).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("skipped: setpriv is not available (" + e.getMessage() + ")");
            return;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Assumptions.assumeTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0,
                "skipped: cannot run a child as uid 65534 with CAP_DAC_READ_SEARCH (not root, or no ambient capabilities): " + out);
    }

    /** Gives the graph root to nobody, except {@code denied} (root's, 0755, recursively). */
    static void denyOnly(Harness h, String denied) throws Exception {
        sh("chown", "-R", NOBODY + ":" + NOBODY, h.root);
        Path d = Path.of(h.root, denied);
        Files.createDirectories(d);
        sh("chown", "-R", "0:0", d.toString());
        sh("chmod", "0755", d.toString());
    }

    /** A config for nobody's children: its own audit log and state directory. */
    static Path nobodyConfig(Harness h) throws Exception {
        Path home = h.dir.resolve("nobody");
        Files.createDirectories(home.resolve("tmp"));
        Path cfg = h.configWith("nobody.yaml", Map.of("auditLog: " + h.auditLog, "auditLog: " + home.resolve("audit.jsonl"),
                "stateDir: " + h.dir.resolve("state"), "stateDir: " + home.resolve("state")));
        sh("chown", "-R", NOBODY + ":" + NOBODY, home.toString());
        return cfg;
    }

    /** Runs the CLI as nobody (its own java.io.tmpdir for the native libraries). */
    static Harness.Run runAsNobody(Harness h, List<String> args, Map<String, String> env) throws Exception {
        List<String> cmd = new ArrayList<>(SETPRIV);
        for (String a : Harness.java(args)) {
            cmd.add(a.startsWith("-Djava.io.tmpdir=") ? "-Djava.io.tmpdir=" + h.dir.resolve("nobody/tmp") : a);
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("LANCE_LOG", "error");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(3, TimeUnit.MINUTES), "child timed out: " + args);
        List<String> lines = out.lines().toList();
        h.lines.addAll(lines);
        return new Harness.Run(p.exitValue(), lines);
    }

    static Harness.Run writerAsNobody(Harness h, Path cfg) throws Exception {
        return runAsNobody(h, List.of("graph", "import-debian", h.root, "--config", cfg.toString(), "--source", Harness.SOURCE.toString(),
                "--skip", "60", "--limit", "60", "--batch", "60", "--ops", "packages", "--lease-timeout", "30s"), Map.of());
    }

    static List<String> names(Path d) throws IOException {
        try (var s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void sidecarDirectoryNotWritable(@TempDir Path dir) throws Exception {
        assumeUnprivilegedChildren();
        try (Harness h = new Harness(dir, "20s")) {
            long version = h.status().manifestVersion();
            denyOnly(h, "_recovery");
            Harness.Run w = writerAsNobody(h, nobodyConfig(h));
            String op = h.plannedOps(w).get(0);
            assertEquals(4, w.exitCode(), w.text());
            assertTrue(w.text().contains("cannot create " + Path.of(h.root, "_recovery", op + ".json") + ": permission denied"), w.text());
            assertEquals(List.of(), names(Path.of(h.root, "_recovery")), "no sidecar, no temp file");
            assertEquals(version, h.status().manifestVersion());
            h.assertConsistent(); // nothing to heal: no Lance commit happened without a sidecar
        }
    }

    @Test
    void manifestDirectoryNotWritable(@TempDir Path dir) throws Exception {
        assumeUnprivilegedChildren();
        try (Harness h = new Harness(dir, "20s")) {
            long version = h.status().manifestVersion();
            List<String> manifests = names(Path.of(h.root, "_manifest"));
            denyOnly(h, "_manifest");
            Harness.Run w = writerAsNobody(h, nobodyConfig(h));
            String op = h.plannedOps(w).get(0);
            assertEquals(3, w.exitCode(), "refused after its sidecar: " + w.text());
            String next = String.format("%020d.json", version + 1);
            assertTrue(w.text().contains("cannot create " + Path.of(h.root, "_manifest", next) + ": permission denied"), w.text());
            assertEquals(manifests, names(Path.of(h.root, "_manifest")), "no partial manifest, no temp file");
            assertTrue(h.sidecarExists(op));

            Harness.Run heal = h.runOnce(Map.of()); // root's daemon may write: rolls the commits forward
            assertEquals(0, heal.exitCode(), heal.text());
            assertEquals(AuditRecord.ROLLED_FORWARD, h.audit().stream().filter(r -> r.operationId().equals(op)).findFirst().orElseThrow().outcome());
            h.assertConsistent();
        }
    }

    @Test
    void auditDirectoryNotWritable(@TempDir Path dir) throws Exception {
        assumeUnprivilegedChildren();
        try (Harness h = new Harness(dir, "20s")) {
            Harness.Run crash = h.importDebian(60, 60, 60, "packages", Map.of(Child.FAILPOINT, "after-commit:1"));
            assertEquals(77, crash.exitCode(), crash.text());
            String op = h.plannedOps(crash).get(0);
            denyOnly(h, "_audit");
            Harness.Run pass = runAsNobody(h, List.of("run", "--once", "--config", nobodyConfig(h).toString()), Map.of());
            assertEquals(1, pass.exitCode(), pass.text());
            assertTrue(pass.text().contains("cannot create " + Path.of(h.root, "_audit", op + ".rolled_back.json") + ": permission denied"),
                    pass.text());
            assertEquals(List.of(), names(Path.of(h.root, "_audit")), "no partial audit record, no temp file");
            assertTrue(h.sidecarExists(op), "the sidecar is deleted only after its audit record");

            Harness.Run heal = h.runOnce(Map.of());
            assertEquals(0, heal.exitCode(), heal.text());
            assertEquals(1, h.audit().stream().filter(r -> r.operationId().equals(op)).count(), h.audit().toString());
            h.assertConsistent();
        }
    }

    @Test
    void tablesDirectoryNotWritable(@TempDir Path dir) throws Exception {
        assumeUnprivilegedChildren();
        try (Harness h = new Harness(dir, "20s")) {
            var before = h.status();
            denyOnly(h, "tables");
            Harness.Run w = writerAsNobody(h, nobodyConfig(h));
            assertEquals(4, w.exitCode(), w.text());
            assertTrue(w.text().contains(Path.of(h.root, "tables").toString()), "the error names the table's path: " + w.text());
            assertTrue(w.text().contains("ermission denied"), w.text());
            assertFalse(w.text().contains("ACK op="));
            assertEquals(List.of(), h.sidecars(), "failed while staging, before any sidecar");
            assertEquals(before.tables(), h.status().tables());
            h.assertConsistent();
        }
    }
}
