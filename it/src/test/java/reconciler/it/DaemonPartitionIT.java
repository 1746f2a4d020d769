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
import reconciler.storage.TableKey;
import reconciler.graph.Graph;

/**
 * The long-running daemon ({@code reconciler run}, event-driven, safety poll 1 h) reaching
 * ZooKeeper only through a {@link TcpFaultProxy}: partitioned in the middle of a recovery, and
 * started while ZooKeeper is unreachable. Writers and {@code run --once} talk to the server directly.
 */
class DaemonPartitionIT {

    /** The crashed writer's sidecar (halted after its first commit), for the daemon to roll back. @return its operation id */
    static String crashedWriter(Harness h, int skip) throws Exception {
        Harness.Run crash = h.importDebian(skip, 60, 60, "packages", Map.of(Child.FAILPOINT, "after-commit:1"));
        assertEquals(77, crash.exitCode(), crash.text());
        return h.plannedOps(crash).get(0);
    }

    static List<AuditRecord> records(Harness h, String op) throws Exception {
        return h.audit().stream().filter(r -> r.operationId().equals(op)).toList();
    }

    static long head(Harness h, String table) throws Exception {
        try (Graph g = h.graph()) {
            return g.tables().headVersion(TableKey.parse(table));
        }
    }

    @Test
    void daemonPartitionedMidRecoveryStopsNeverActsTwiceAndResumesAfterTheHeal(@TempDir Path dir) throws Exception {
        try (Harness h = new Harness(dir, "20s"); TcpFaultProxy proxy = new TcpFaultProxy(h.zk.port(), TcpFaultProxy.Mode.FORWARD)) {
            long pin = head(h, WriterPartitionIT.DEPENDS_ON);
            String op1 = crashedWriter(h, 60);
            Path resume = dir.resolve("resume");
            Path cfg = WriterPartitionIT.childConfig(h, "daemon.yaml", proxy.address(), "4s");
            try (Child d = Child.daemon(h, cfg, Map.of(Child.FAILPOINT, "recovery-after-restore", Child.PAUSE_UNTIL, resume.toString()))) {
                // paused after its compensating Restore, still holding the sidecar's leases
                d.awaitLine(l -> l.startsWith("PAUSED recovery-after-restore op=" + op1), Duration.ofMinutes(2), "the daemon paused mid-recovery");
                assertEquals(pin + 2, head(h, WriterPartitionIT.DEPENDS_ON), "the daemon's Restore landed");
                proxy.blackhole();
                d.awaitLine(l -> l.contains("is LOST"), Duration.ofSeconds(60), "the daemon seeing its session LOST");

                // Another actor takes over the expired leases and finishes the recovery (no second Restore).
                Harness.Run other = h.runOnce(Map.of());
                assertEquals(0, other.exitCode(), other.text());
                assertEquals(1, records(h, op1).size(), records(h, op1).toString());
                assertEquals(AuditRecord.ROLLED_BACK, records(h, op1).get(0).outcome());
                assertFalse(records(h, op1).get(0).recoveredBy().endsWith(":" + d.process.pid()), "finished by run --once");

                // The partitioned daemon resumes its step: its leases are lost, so it stops there.
                Files.createFile(resume);
                d.awaitLine(l -> l.contains("sidecar " + op1) && l.contains("recovery step failed, will retry") && l.contains("no longer valid"),
                        Duration.ofSeconds(60), "the paused daemon refusing its next step");
                assertEquals(1, records(h, op1).size(), "one audit record: " + records(h, op1));
                assertEquals(1, h.auditLogLines().stream().filter(l -> l.contains(op1)).count(), "one local audit line");
                assertEquals(pin + 2, head(h, WriterPartitionIT.DEPENDS_ON), "exactly one Restore");

                // The partition heals: the daemon reconnects (new session), re-registers, and heals the next crash by itself.
                proxy.heal();
                d.awaitLine(l -> l.contains("is RECONNECTED"), Duration.ofSeconds(60), "the daemon reconnecting");
                String op2 = crashedWriter(h, 120);
                Harness.await(() -> !h.sidecarExists(op2) && records(h, op2).size() == 1, Duration.ofSeconds(60),
                        "the reconnected daemon healing " + op2);
                assertTrue(records(h, op2).get(0).recoveredBy().endsWith(":" + d.process.pid()), "healed by the daemon: " + records(h, op2));
                Harness.signal(d.process, "TERM");
                assertEquals(143, d.waitFor(Duration.ofMinutes(1)), d.text());
            }
            h.assertConsistent();
            assertEquals(2, h.audit().size(), h.audit().toString());
        }
    }

    @Test
    void daemonStartedWhileZooKeeperIsDownWaitsNotReadyAndHealsOnceItAnswers(@TempDir Path dir) throws Exception {
        try (Harness h = new Harness(dir, "20s"); TcpFaultProxy proxy = new TcpFaultProxy(h.zk.port(), TcpFaultProxy.Mode.DROP)) {
            String op = crashedWriter(h, 60);
            Path cfg = h.configWith("daemon.yaml", Map.of("  connect: " + h.zk.connectString() + "\n", "  connect: " + proxy.address() + "\n",
                    "  sessionTimeout: 2s\n", "  sessionTimeout: 2s\n  connectTimeout: 2s\n"));
            try (Child d = Child.daemon(h, cfg, Map.of())) {
                // every connection is reset: ZooKeeper is down as far as the daemon can tell
                d.awaitLine(l -> l.contains("not ready (attempt 2)"), Duration.ofSeconds(60), "the daemon reporting not ready twice");
                assertTrue(d.process.isAlive(), "the daemon waits instead of exiting: " + d.text());
                assertTrue(h.sidecarExists(op), "nothing healed without ZooKeeper");
                assertTrue(proxy.accepted() >= 2, "the daemon really tried to connect");

                proxy.heal();
                d.awaitLine(l -> l.contains("ready: ZooKeeper answered"), Duration.ofSeconds(60), "the daemon getting ready");
                Harness.await(() -> !h.sidecarExists(op) && records(h, op).size() == 1, Duration.ofSeconds(60), "the daemon healing " + op);
                assertEquals(AuditRecord.ROLLED_BACK, records(h, op).get(0).outcome());
                Harness.signal(d.process, "TERM");
                assertEquals(143, d.waitFor(Duration.ofMinutes(1)), d.text());
            }
            h.assertConsistent();
        }
    }
}
