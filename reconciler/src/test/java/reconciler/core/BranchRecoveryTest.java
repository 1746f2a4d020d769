package reconciler.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reconciler.graph.Failpoints;
import reconciler.graph.Graph;
import reconciler.graph.GraphSession;
import reconciler.graph.GraphSnapshot;
import reconciler.graph.GraphTransaction;
import reconciler.leases.LeaseManager;
import reconciler.leases.ZooKeeperLeases;
import reconciler.manifest.BranchRecord;
import reconciler.manifest.Manifest;
import reconciler.storage.ArrowRows;
import reconciler.storage.ArrowTypes;
import reconciler.storage.TableKey;
import reconciler.storage.TestRows;

/**
 * Recovery on graph branches with the daemon's pass ({@link ReconcilePass}) on real Lance tables and a real
 * ZooKeeper server: a branch writer's crash is healed on its branch (forward or back) and never touches main;
 * a crashed first-touch fork is reclaimed; an orphaned-branch sidecar is discarded with exactly one
 * {@code orphaned_branch_discarded} record across a crash in every gap of the discard, and never blocks other
 * branches; roll-forward-only mode leaves what it may not do. Crashes are thrown {@link Failpoints.Crash}es.
 */
class BranchRecoveryTest {

    @RegisterExtension
    static final ZooKeeperLeases ZK = new ZooKeeperLeases(100);
    static LeaseManager leases;

    @TempDir
    Path dir;
    GraphSession g;
    Path auditLog;

    static final Schema DATA = new Schema(List.of(ArrowTypes.field("id", "int64 not null"), ArrowTypes.field("val", "utf8")));
    static final Schema SIDE = new Schema(List.of(ArrowTypes.field("note", "utf8")));

    @BeforeAll
    static void start() throws Exception {
        leases = ZK.leases();
    }

    @BeforeEach
    void open() throws Exception {
        g = GraphSession.over(Graph.local(dir.resolve("g")), leases, GraphSession.Options.defaults());
        g.init("g", Map.of("edge:Data", DATA, "node:Side", SIDE));
        auditLog = dir.resolve("audit.jsonl");
        try (GraphTransaction tx = g.begin("test")) {
            tx.append("edge:Data", data(0, 3));
            tx.commit();
        }
        g.branches().create("dev", "main", null);
    }

    @AfterEach
    void close() {
        g.graph().close();
    }

    ArrowReader data(int from, int n) {
        return ArrowRows.reader(g.graph().tables().allocator(), DATA, TestRows.range(from, n, i -> Map.of("id", (long) i, "val", "v" + i)), 100);
    }

    ArrowReader side(String note) {
        return ArrowRows.reader(g.graph().tables().allocator(), SIDE, List.of(Map.of("note", note)), 10);
    }

    ReconcilePass pass(Failpoints f) {
        return new ReconcilePass(new Recoverer(leases, new AuditLog(auditLog), Duration.ofSeconds(10), f));
    }

    /** Crashes a two-table write on {@code branch} at {@code point}. @return its operation id */
    String crash(String branch, String point) throws Exception {
        GraphSession crashing = GraphSession.over(g.graph(), leases, GraphSession.Options.defaults().withFailpoints(Failpoints.throwing(point, 1)));
        GraphTransaction tx = crashing.begin("crasher", branch);
        try {
            tx.append("edge:Data", data(100, 2));
            tx.append("node:Side", side("x"));
            tx.commit();
            throw new AssertionError("no crash at " + point);
        } catch (Failpoints.Crash expected) {
            // the crash: leases released as a dead session's would be, sidecar left
        }
        List<String> ops = g.graph().sidecars().list().stream().map(reconciler.sidecar.SidecarEntry::key).toList();
        assertEquals(1, ops.size(), "one sidecar left by the crash: " + ops);
        String key = ops.get(0);
        return key.substring(key.indexOf('/') + 1, key.length() - ".json".length());
    }

    long count(String branch, String table) throws Exception {
        try (GraphSnapshot s = g.snapshot(branch, null)) {
            return s.count(table, null);
        }
    }

    List<String> audits(String op) throws Exception {
        return g.graph().store().list(Graph.AUDIT_DIR).stream().filter(n -> n.startsWith(op + ".")).toList();
    }

    @Test
    void aBranchWritersCrashIsHealedOnItsBranchAndNeverBlocksMain() throws Exception {
        String back = crash("dev", "after-commit:1");
        long mainVersion = g.graph().manifests().require().version();
        try (GraphTransaction tx = g.begin("test")) { // main writes the same tables while the branch's sidecar is pending
            tx.append("edge:Data", data(50, 1));
            tx.commit();
        }
        GraphStatus before = GraphStatus.of(g.graph());
        assertFalse(before.converged(), "a branch's pending sidecar is reported");
        assertEquals("dev", before.sidecars().get(0).branch());
        assertEquals("ROLL_BACK", before.sidecars().get(0).decision());

        ReconcilePass.Report r = pass(Failpoints.none()).run(g.graph(), null);
        assertEquals(List.of(Recoverer.Status.RESOLVED), r.results().stream().map(Recoverer.Result::status).toList());
        assertTrue(r.converged());
        assertEquals(List.of(back + ".rolled_back.json"), audits(back));
        assertEquals(3, count("dev", "edge:Data"), "rolled back on the branch");
        assertEquals(0, count("dev", "node:Side"));
        assertEquals(4, count("main", "edge:Data"), "main has its own write and nothing of the branch's");
        assertEquals(mainVersion + 1, g.graph().manifests().require().version(), "recovery published on the branch, not on main");

        String forward = crash("dev", "after-commit:2");
        pass(Failpoints.none()).run(g.graph(), null);
        assertEquals(List.of(forward + ".rolled_forward.json"), audits(forward));
        assertEquals(5, count("dev", "edge:Data"));
        assertEquals(1, count("dev", "node:Side"));
        assertEquals(mainVersion + 1, g.graph().manifests().require().version());
    }

    @ParameterizedTest
    @ValueSource(strings = {"fork-after-sidecar", "fork-after-branch", "fork-after-publish"})
    void aCrashedFirstTouchForkIsOwnedByItsSidecarAndReclaimedOnRollBack(String point) throws Exception {
        String op = crash("dev", point);
        BranchRecord rec = g.branches().list().get("dev");
        TableKey data = TableKey.parse("edge:Data");
        ReconcilePass.Report r = pass(Failpoints.none()).run(g.graph(), null);
        assertTrue(r.converged(), r.results().toString());
        Manifest b = g.graph().onBranch("dev").manifests().require();
        if (point.equals("fork-after-publish")) {
            assertEquals(List.of(op + ".finished.json"), audits(op), "a published fork is finished");
            assertEquals(rec.lanceBranch("dev"), b.pin("edge:Data").lanceBranch());
            assertEquals(List.of(rec.lanceBranch("dev")), g.graph().tables().branches().list(data));
        } else {
            assertEquals(List.of(op + ".rolled_back.json"), audits(op));
            assertEquals(null, b.pin("edge:Data").lanceBranch(), "the pin stays at the fork point");
            assertEquals(List.of(), g.graph().tables().branches().list(data), "the unpublished fork is reclaimed");
        }
        try (GraphTransaction tx = g.begin("test", "dev")) { // the table forks again and writes
            tx.append("edge:Data", data(200, 1));
            tx.commit();
        }
        assertEquals(4, count("dev", "edge:Data"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"orphan-after-reclaim", "orphan-after-audit", ""})
    void anOrphanedBranchSidecarIsDiscardedExactlyOnceAcrossACrashInEveryGap(String point) throws Exception {
        String op = crash("dev", "after-commit:1");
        g.branches().create("other", "main", null);
        g.branches().delete("dev", true);
        try (GraphTransaction tx = g.begin("test", "other")) { // an orphan never blocks another branch
            tx.append("edge:Data", data(300, 1));
            tx.commit();
        }
        try (GraphTransaction tx = g.begin("test")) { // nor main
            tx.append("edge:Data", data(301, 1));
            tx.commit();
        }
        assertEquals("DISCARD_ORPHAN", GraphStatus.of(g.graph()).sidecars().get(0).decision());
        if (!point.isEmpty()) {
            assertThrows(Failpoints.Crash.class, () -> pass(Failpoints.throwing(point, 1)).run(g.graph(), null));
            assertTrue(g.graph().sidecars().read(op).isPresent(), "the sidecar is deleted last");
        }
        ReconcilePass.Report r = pass(Failpoints.none()).run(g.graph(), null);
        assertTrue(r.converged(), r.results().toString());
        ReconcilePass.Report again = pass(Failpoints.none()).run(g.graph(), null);
        assertEquals(List.of(), again.results());
        assertEquals(List.of(op + ".orphaned_branch_discarded.json"), audits(op), "exactly one audit record");
        String log = java.nio.file.Files.readString(auditLog);
        assertEquals(1, log.lines().filter(l -> l.contains(op) && l.contains("orphaned_branch_discarded")).count(), log);
        assertEquals(List.of(), g.graph().tables().branches().list(TableKey.parse("node:Side")).stream()
                .filter(n -> n.startsWith("dev.")).toList(), "the deleted branch's forks are reclaimed");
        assertEquals(4, count("other", "edge:Data"));
        assertEquals(4, count("main", "edge:Data"));
        g.branches().create("dev", "main", null); // the name is free again
        assertEquals(4, count("dev", "edge:Data"));
    }

    @Test
    void uncoveredDriftOnABranchsForkIsReportedAndRevertedWhenFencedOffOnThatBranchOnly() throws Exception {
        try (GraphTransaction tx = g.begin("test", "dev")) {
            tx.append("edge:Data", data(10, 1));
            tx.commit();
        }
        Graph dev = g.graph().onBranch("dev");
        TableKey key = TableKey.parse("edge:Data");
        long pin = dev.manifests().require().pin("edge:Data").version();
        long mainPin = g.graph().manifests().require().pin("edge:Data").version();
        // a zombie's late commit on the fork: a writer token below the one the branch's manifest records
        dev.tables().commitAppend(key, dev.tables().stageAppend(key, List.of(new reconciler.storage.ColumnSpec("id", "int64 not null"),
                new reconciler.storage.ColumnSpec("val", "utf8")), List.of(Map.of("id", 99L, "val", "zombie"))), pin,
                reconciler.storage.CommitProperties.of("01M8Z0000000000000000ZOMB1", 0, reconciler.storage.CommitProperties.ROLE_WRITER));
        GraphStatus before = GraphStatus.of(g.graph());
        assertFalse(before.converged(), "drift on a branch's fork is reported");
        assertEquals(1, before.branches().get(0).tables().get(0).drift());
        assertEquals(List.of(), before.tables().stream().filter(t -> t.drift() != 0).toList(), "main has none");

        ReconcilePass.Report r = pass(Failpoints.none()).run(g.graph(), null);
        assertTrue(r.converged(), r.results().toString());
        assertEquals(List.of(Recoverer.Status.RESOLVED), r.results().stream().map(Recoverer.Result::status).toList());
        assertEquals(Manifest.KIND_REPAIR, dev.manifests().require().kind(), "repaired on the branch's own sequence");
        assertEquals(mainPin, g.graph().manifests().require().pin("edge:Data").version(), "main untouched");
        assertEquals(4, count("dev", "edge:Data"));
    }

    @Test
    void rollForwardOnlyRollsForwardAndLeavesWhatWouldBeRolledBackForAFullPass() throws Exception {
        String back = crash("main", "after-commit:1");
        ReconcilePass.Report r = pass(Failpoints.none()).run(g.graph(), null, true);
        assertEquals(1, r.results().size());
        assertEquals(Recoverer.Status.DEFERRED, r.results().get(0).status());
        assertEquals(Classifier.Action.ROLL_BACK, r.results().get(0).action());
        assertTrue(r.results().get(0).message().startsWith(Recoverer.LEFT_FOR_FULL), r.results().get(0).message());
        assertTrue(g.graph().sidecars().read(back).isPresent(), "left on disk");
        assertEquals(List.of(), audits(back), "nothing audited: nothing was decided");
        assertFalse(r.converged());
        assertTrue(r.status().sidecars().get(0).reason().startsWith(Recoverer.LEFT_FOR_FULL), "status reports what the mode left");

        pass(Failpoints.none()).run(g.graph(), null, false);
        assertEquals(List.of(back + ".rolled_back.json"), audits(back), "a full pass rolls it back");
        String forward = crash("dev", "after-commit:2");
        pass(Failpoints.none()).run(g.graph(), null, true);
        assertEquals(List.of(forward + ".rolled_forward.json"), audits(forward), "roll forward runs in roll-forward-only mode");
    }
}
