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

/**
 * A writer child partitioned from ZooKeeper in the middle of its commits. The writer reaches
 * ZooKeeper only through a {@link TcpFaultProxy}; it is paused at {@code after-commit:1} (its
 * first table, {@code edge:DependsOn}, committed; {@code node:Package} not yet) with
 * {@code RECONCILER_FAILPOINT_PAUSE_UNTIL}, the proxy is blackholed, and the test waits for the
 * connection state the writer logs before letting it go on. The daemon ({@code run --once}) talks
 * to the server directly. Writer session 4 s: SUSPENDED after ~2.7 s of silence, LOST ~4 s later.
 */
class WriterPartitionIT {

    static final String PACKAGE = "node:Package";
    static final String DEPENDS_ON = "edge:DependsOn";

    static Path childConfig(Harness h, String name, String connect, String session) throws Exception {
        return h.configWith(name, Map.of("  connect: " + h.zk.connectString() + "\n", "  connect: " + connect + "\n",
                "sessionTimeout: 2s", "sessionTimeout: " + session));
    }

    static GraphStatus.TableStatus table(GraphStatus s, String t) {
        return s.tables().stream().filter(x -> x.table().equals(t)).findFirst().orElseThrow();
    }

    /** Starts a writer through {@code proxy}, paused right after its first table commit. */
    static Child pausedWriter(Harness h, TcpFaultProxy proxy, Path resume) throws Exception {
        return Child.writer(h, childConfig(h, "writer.yaml", proxy.address(), "4s"), 60,
                Map.of(Child.FAILPOINT, "after-commit:1", Child.PAUSE_UNTIL, resume.toString()))
                .afterLine(l -> l.startsWith("PAUSED after-commit:1"), Duration.ofMinutes(2), "the writer paused after its first commit");
    }

    /** A {@link #pausedWriter} whose ZooKeeper connection is then cut until it logs {@code is <state>}. */
    static Child partitionedWriter(Harness h, TcpFaultProxy proxy, Path resume, String state, Duration within) throws Exception {
        Child w = pausedWriter(h, proxy, resume);
        try {
            proxy.blackhole();
            w.awaitLine(l -> l.contains("is " + state), within, "the writer seeing " + state);
            return w;
        } catch (Throwable t) {
            w.close();
            throw t;
        }
    }

    /** After a refused write: the sidecar is there, the second table never committed, nothing published. */
    static void assertStoppedAfterFirstCommit(Harness h, String op, GraphStatus before) throws Exception {
        GraphStatus after = h.status();
        assertTrue(h.sidecarExists(op), "the refused writer's sidecar is left for the daemon");
        assertEquals(before.manifestVersion(), after.manifestVersion(), "nothing published");
        assertEquals(table(before, PACKAGE).headVersion(), table(after, PACKAGE).headVersion(), "no commit of node:Package");
        assertEquals(table(before, DEPENDS_ON).headVersion() + 1, table(after, DEPENDS_ON).headVersion(), "only the first commit landed");
        assertFalse(h.visibleOps().contains(op));
    }

    /** The daemon heals the refused writer's sidecar: rolled back, one audit record, every table consistent. */
    static void assertHealedByRollBack(Harness h, String op) throws Exception {
        Harness.Run heal = h.runOnce(Map.of());
        assertEquals(0, heal.exitCode(), heal.text());
        List<AuditRecord> records = h.audit().stream().filter(r -> r.operationId().equals(op)).toList();
        assertEquals(1, records.size(), records.toString());
        assertEquals(AuditRecord.ROLLED_BACK, records.get(0).outcome());
        h.assertConsistent();
    }

    /** What a test does with its {@link #partitionedWriter} until the writer has refused its write. */
    interface Refusal {
        void drive(Child w, TcpFaultProxy proxy, Path resume, String op) throws Exception;
    }

    /**
     * A writer partitioned from ZooKeeper until it logs {@code is <state>}, driven by {@code refusal}
     * until it refused (never an ACK); then it is stopped after its first commit and the daemon heals
     * it by roll back.
     */
    static void assertRefusedAndHealed(Path dir, String state, Duration within, Refusal refusal) throws Exception {
        try (Harness h = new Harness(dir, "20s"); TcpFaultProxy proxy = new TcpFaultProxy(h.zk.port(), TcpFaultProxy.Mode.FORWARD)) {
            GraphStatus before = h.status();
            Path resume = dir.resolve("resume");
            String op;
            try (Child w = partitionedWriter(h, proxy, resume, state, within)) {
                op = w.plannedOp();
                refusal.drive(w, proxy, resume, op);
                assertFalse(w.printed("ACK op="), w.text());
            }
            assertStoppedAfterFirstCommit(h, op, before);
            // the writer has exited, but its session may live on the server until it expires: run --once waits for the leases
            assertHealedByRollBack(h, op);
        }
    }

    @Test
    void suspendedWriterStopsBeforeItsNextCommitAndTheDaemonHealsIt(@TempDir Path dir) throws Exception {
        assertRefusedAndHealed(dir, "SUSPENDED", Duration.ofSeconds(30), (w, proxy, resume, op) -> {
            Files.createFile(resume); // its next step, the commit of node:Package, starts while SUSPENDED
            String refused = w.awaitLine(l -> l.startsWith("REFUSED op=" + op), Duration.ofSeconds(30), "REFUSED");
            assertTrue(refused.contains("connection SUSPENDED"), "refused because of the SUSPENDED connection: " + refused);
            // REFUSED is printed after the leases are closed: while SUSPENDED their release is queued in the
            // background (LeaseSet), it no longer blocks on Curator's retries (~20 s per lease before).
            proxy.heal();
            assertEquals(3, w.waitFor(Duration.ofMinutes(2)), "refused (exit 3): " + w.text());
        });
    }

    @Test
    void writerWhoseSessionIsLostMidCommitRefusesAndTheDaemonHealsIt(@TempDir Path dir) throws Exception {
        assertRefusedAndHealed(dir, "LOST", Duration.ofSeconds(60), (w, proxy, resume, op) -> {
            proxy.heal(); // the session is gone for good: reconnecting cannot make the leases valid again
            Files.createFile(resume);
            assertEquals(3, w.waitFor(Duration.ofMinutes(1)), "refused (exit 3): " + w.text());
            String refused = w.awaitLine(l -> l.startsWith("REFUSED op=" + op), Duration.ZERO, "REFUSED");
            assertTrue(refused.contains("LOST"), "refused because the session was lost: " + refused);
        });
    }

    @Test
    void writerSuspendedThenReconnectedWithinItsSessionGoesOnAndPublishes(@TempDir Path dir) throws Exception {
        try (Harness h = new Harness(dir, "20s"); TcpFaultProxy proxy = new TcpFaultProxy(h.zk.port(), TcpFaultProxy.Mode.FORWARD)) {
            Path resume = dir.resolve("resume");
            try (Child w = partitionedWriter(h, proxy, resume, "SUSPENDED", Duration.ofSeconds(30))) {
                String op = w.plannedOp();
                proxy.heal();
                w.awaitLine(l -> l.contains("valid again after RECONNECTED"), Duration.ofSeconds(30),
                        "the writer re-verifying its lock nodes on the same session");
                Files.createFile(resume);
                assertEquals(0, w.waitFor(Duration.ofMinutes(1)), w.text());
                assertTrue(w.printed("ACK op=" + op), w.text());
                assertFalse(w.printed("is LOST"), w.text());
            }
            assertEquals(0, h.runOnce(Map.of()).exitCode());
            h.assertConsistent();
            assertEquals(List.of(), h.audit(), "a writer that finished by itself needs no recovery");
        }
    }
}
