package reconciler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reconciler.core.AuditRecord;
import reconciler.core.GraphStatus;
import reconciler.storage.Tmpfs;

/**
 * ENOSPC on the local backend with real processes: one directory of the graph root
 * ({@code _recovery}, {@code tables}, {@code _manifest} or {@code _audit}) is its own size-limited
 * tmpfs, filled to the last page ({@link Tmpfs}; skipped where mounting is not permitted) before
 * the write that lands there. Each case checks the error (names the path, says the disk is full),
 * that nothing partial is visible (no half-written object, no temp file), that nothing
 * acknowledged is lost, and that the graph converges once space returns.
 */
class DiskFullIT {

    /** Mounts a tmpfs on {@code graph/<sub>} before the harness creates the graph there. */
    static Tmpfs mountIn(Path dir, String sub, long sizeKb) throws Exception {
        return Tmpfs.mount(dir.resolve("graph").resolve(sub), sizeKb);
    }

    /** Names in a directory except the filler: what a reader could ever see, temp files included. */
    static List<String> visible(Tmpfs fs) throws Exception {
        return Tmpfs.allNames(fs.dir()).stream().filter(n -> !n.equals(Tmpfs.FILLER)).toList();
    }

    static List<AuditRecord> records(Harness h, String op) throws Exception {
        return h.audit().stream().filter(r -> r.operationId().equals(op)).toList();
    }

    @Test
    void sidecarWriteOnAFullDiskFailsNamingThePathAndNothingIsWritten(@TempDir Path dir) throws Exception {
        try (Tmpfs fs = mountIn(dir, "_recovery", 64); Harness h = new Harness(dir, "20s")) {
            GraphStatus before = h.status();
            fs.fill();
            Harness.Run w = h.importDebian(60, 60, 60, "packages", Map.of());
            String op = h.plannedOps(w).get(0);
            assertEquals(4, w.exitCode(), "a storage failure before the sidecar: " + w.text());
            assertTrue(w.text().contains("error: cannot create " + fs.dir().resolve(op + ".json")), w.text());
            assertTrue(w.text().contains("the disk is full"), w.text());
            assertEquals(List.of(), visible(fs), "no sidecar, no temp file");
            assertEquals(before.tables(), h.status().tables(), "no Lance commit without a sidecar");
            assertEquals(before.manifestVersion(), h.status().manifestVersion());

            fs.free();
            Harness.Run again = h.importDebian(60, 60, 60, "packages", Map.of());
            assertEquals(0, again.exitCode(), again.text());
            h.assertConsistent();
            assertEquals(List.of(), h.audit(), "nothing to recover");
        }
    }

    @Test
    void lanceCommitOnAFullDiskIsRefusedAndHealedOnceSpaceReturns(@TempDir Path dir) throws Exception {
        try (Tmpfs fs = mountIn(dir, "tables", 16 * 1024); Harness h = new Harness(dir, "20s")) {
            GraphStatus before = h.status();
            Path resume = dir.resolve("resume");
            String op;
            try (Child w = Child.writer(h, h.config, 60, Map.of(Child.FAILPOINT, "after-commit:1", Child.PAUSE_UNTIL, resume.toString()))) {
                op = w.plannedOp();
                w.awaitLine(l -> l.startsWith("PAUSED after-commit:1"), Duration.ofMinutes(2), "the writer paused between its commits");
                fs.fill(); // node:Package's data files are staged; its commit (transaction + version manifest) has no room
                Files.createFile(resume);
                assertEquals(3, w.waitFor(Duration.ofMinutes(1)), w.text());
                String refused = w.awaitLine(l -> l.startsWith("REFUSED op=" + op), Duration.ZERO, "REFUSED");
                assertTrue(refused.contains("cannot commit to table node:Package at " + Path.of(h.root, "tables", "node-Package.lance")),
                        "the error names the table's path: " + refused);
                assertTrue(refused.contains("No space left on device") && refused.contains("the disk is full"), refused);
            }
            assertTrue(h.sidecarExists(op), "the sidecar is left for the daemon");
            GraphStatus after = h.status(); // every table still opens: no half-written Lance version is visible
            assertEquals(WriterPartitionIT.table(before, WriterPartitionIT.PACKAGE).headVersion(),
                    WriterPartitionIT.table(after, WriterPartitionIT.PACKAGE).headVersion(), "no version of node:Package landed");
            assertEquals(before.manifestVersion(), after.manifestVersion());

            Harness.Run full = h.runOnce(Map.of()); // the roll back's Restore is a Lance commit too
            assertEquals(1, full.exitCode(), full.text());
            assertTrue(full.text().contains("sidecar " + op + " FAILED"), full.text());
            assertTrue(h.sidecarExists(op), "a failed recovery keeps the sidecar");
            assertEquals(List.of(), records(h, op), "nothing audited yet");

            fs.free();
            Harness.Run heal = h.runOnce(Map.of());
            assertEquals(0, heal.exitCode(), heal.text());
            assertEquals(1, records(h, op).size(), records(h, op).toString());
            assertEquals(AuditRecord.ROLLED_BACK, records(h, op).get(0).outcome());
            h.assertConsistent();
        }
    }

    @Test
    void manifestCreateOnAFullDiskIsRefusedWithoutAPartialVersionAndRolledForwardLater(@TempDir Path dir) throws Exception {
        try (Tmpfs fs = mountIn(dir, "_manifest", 64); Harness h = new Harness(dir, "20s")) {
            GraphStatus before = h.status();
            List<String> manifests = visible(fs);
            fs.fill();
            Harness.Run w = h.importDebian(60, 60, 60, "packages", Map.of());
            String op = h.plannedOps(w).get(0);
            assertEquals(3, w.exitCode(), w.text());
            String next = String.format("%020d.json", before.manifestVersion() + 1);
            assertTrue(w.text().contains("cannot create " + fs.dir().resolve(next)), w.text());
            assertTrue(w.text().contains("the disk is full"), w.text());
            assertEquals(manifests, visible(fs), "no partial manifest version, no temp file");
            assertEquals(before.manifestVersion(), h.status().manifestVersion());
            assertTrue(h.sidecarExists(op));

            Harness.Run full = h.runOnce(Map.of());
            assertEquals(1, full.exitCode(), "the roll forward's publish has no room either: " + full.text());
            assertEquals(manifests, visible(fs));

            fs.resize(256); // grow the file system: space returns without deleting anything
            Harness.Run heal = h.runOnce(Map.of());
            assertEquals(0, heal.exitCode(), heal.text());
            assertEquals(AuditRecord.ROLLED_FORWARD, records(h, op).get(0).outcome());
            assertEquals(1, records(h, op).size());
            assertTrue(h.visibleOps().contains(op), "the refused writer's commits are published by the roll forward");
            h.assertConsistent();
        }
    }

    @Test
    void auditRecordCreateOnAFullDiskKeepsTheSidecarAndIsWrittenOnceLater(@TempDir Path dir) throws Exception {
        try (Tmpfs fs = mountIn(dir, "_audit", 64); Harness h = new Harness(dir, "20s")) {
            Harness.Run crash = h.importDebian(60, 60, 60, "packages", Map.of(Child.FAILPOINT, "after-commit:1"));
            assertEquals(77, crash.exitCode(), crash.text());
            String op = h.plannedOps(crash).get(0);
            fs.fill();

            Harness.Run full = h.runOnce(Map.of());
            assertEquals(1, full.exitCode(), full.text());
            assertTrue(full.text().contains("cannot create " + fs.dir().resolve(op + ".rolled_back.json")), full.text());
            assertTrue(full.text().contains("the disk is full"), full.text());
            assertEquals(List.of(), visible(fs), "no partial audit record, no temp file");
            assertTrue(h.sidecarExists(op), "the sidecar is deleted only after the audit record");
            assertFalse(h.auditLogLines().stream().anyMatch(l -> l.contains(op)), "no local audit line without the durable record");

            fs.free();
            Harness.Run heal = h.runOnce(Map.of());
            assertEquals(0, heal.exitCode(), heal.text());
            assertEquals(1, records(h, op).size(), records(h, op).toString());
            assertEquals(AuditRecord.ROLLED_BACK, records(h, op).get(0).outcome());
            assertEquals(1, h.auditLogLines().stream().filter(l -> l.contains(op)).count());
            h.assertConsistent();
        }
    }
}
