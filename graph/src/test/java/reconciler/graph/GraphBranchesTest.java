package reconciler.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reconciler.leases.ZooKeeperLeases;
import reconciler.manifest.BranchRecord;
import reconciler.manifest.Manifest;
import reconciler.manifest.ManifestConflictException;
import reconciler.storage.ArrowRows;
import reconciler.storage.TableKey;
import reconciler.storage.TestRows;

/**
 * Graph branches through the library on real Lance tables and a real ZooKeeper server: create, first-touch
 * fork, writes and reads on a branch beside main, merge (fast-forward and refusal), delete with and without
 * pending sidecars.
 */
class GraphBranchesTest {

    @RegisterExtension
    static final ZooKeeperLeases ZK = new ZooKeeperLeases(100);

    @TempDir
    Path dir;
    GraphSession g;

    static final Schema PERSON = GraphSessionTest.schema("id: int64 not null", "name: utf8");
    static final Schema KNOWS = GraphSessionTest.schema("src: int64", "dst: int64");

    @BeforeEach
    void open() throws Exception {
        g = GraphSession.open(dir.resolve("g").toString(), GraphSession.Options.defaults().withZookeeper(ZK.connectString()));
        g.init("g", Map.of("node:Person", PERSON, "edge:Knows", KNOWS));
        try (GraphTransaction tx = g.begin("test")) {
            tx.append("node:Person", people(0, 3, "main"));
            tx.commit();
        }
    }

    @AfterEach
    void close() {
        g.close();
    }

    ArrowReader people(int from, int n, String tag) {
        return ArrowRows.reader(g.graph().tables().allocator(), PERSON, TestRows.range(from, n, i -> Map.of("id", (long) i, "name", tag + i)), 100);
    }

    /** Commits {@code n} people from id {@code from} to {@code branch}, their names tagged with the branch. */
    void appendPeople(String branch, int from, int n) throws Exception {
        try (GraphTransaction tx = g.begin("test", branch)) {
            tx.append("node:Person", people(from, n, branch));
            tx.commit();
        }
    }

    long count(String branch, String table) throws Exception {
        try (GraphSnapshot s = g.snapshot(branch, null)) {
            return s.count(table, null);
        }
    }

    @Test
    void aBranchIsListedInMainsManifestAndForksOnlyTheTablesItWrites() throws Exception {
        BranchRecord dev = g.branches().create("dev", null, null);
        Manifest main = g.graph().manifests().require();
        assertEquals(dev, main.branches().get("dev"), "the branch list in main's manifest is the authority");
        assertEquals(Manifest.KIND_BRANCH_CREATE, main.kind());
        assertEquals("main", dev.parent());
        assertEquals(2, dev.parentVersion());
        assertEquals(List.of(), g.graph().tables().branches().list(TableKey.parse("node:Person")), "nothing is forked at create");

        try (GraphTransaction tx = g.begin("test", "dev")) {
            tx.append("node:Person", people(10, 2, "dev"));
            tx.delete("node:Person", "id = 0");
            throw new AssertionError("two writes to one table must be refused");
        } catch (IllegalArgumentException expected) {
            // one write per table per transaction
        }
        appendPeople("dev", 10, 2);
        Graph view = g.graph().onBranch("dev");
        Manifest b = view.manifests().require();
        assertEquals(dev.lanceBranch("dev"), b.pin("node:Person").lanceBranch(), "the written table is pinned on the branch's fork");
        assertNull(b.pin("edge:Knows").lanceBranch(), "an untouched table stays at the fork point");
        assertEquals(List.of(dev.lanceBranch("dev")), g.graph().tables().branches().list(TableKey.parse("node:Person")));
        assertEquals(List.of(), g.graph().tables().branches().list(TableKey.parse("edge:Knows")), "an untouched table costs nothing");
        assertEquals(List.of(Manifest.KIND_BRANCH_CREATE, Manifest.KIND_FORK, Manifest.KIND_WRITE),
                List.of(view.manifests().read(1).orElseThrow().kind(), view.manifests().read(2).orElseThrow().kind(), b.kind()));
        assertEquals(5, count("dev", "node:Person"));
        assertEquals(3, count("main", "node:Person"), "main does not see the branch's write");

        try (GraphTransaction tx = g.begin("test")) {
            tx.append("edge:Knows", ArrowRows.reader(g.graph().tables().allocator(), KNOWS, List.of(Map.of("src", 1L, "dst", 2L)), 10));
            tx.commit();
        }
        assertEquals(0, count("dev", "edge:Knows"), "the branch reads main's table at the fork point");

        GraphBranches.Merged merged = g.branches().merge("dev", null);
        assertEquals(List.of("node:Person"), merged.tables(), "only the table the branch changed is taken");
        assertEquals(5, count("main", "node:Person"));
        assertEquals(1, count("main", "edge:Knows"), "main's own change since the fork is kept");
        assertNull(g.graph().manifests().require().pin("node:Person").lanceBranch(), "main's pins never point into a branch");
    }

    @Test
    void aMergeWhereBothSidesChangedATableIsRefusedNamingIt() throws Exception {
        g.branches().create("dev", "main", null);
        appendPeople("dev", 10, 1);
        try (GraphTransaction tx = g.begin("test")) {
            tx.append("node:Person", people(20, 1, "main"));
            tx.commit();
        }
        long before = g.graph().manifests().require().version();
        MergeConflictException e = assertThrows(MergeConflictException.class, () -> g.branches().merge("dev", "main"));
        assertEquals(List.of("node:Person"), e.tables());
        assertTrue(e.getMessage().contains("node:Person"), e.getMessage());
        assertEquals(before, g.graph().manifests().require().version(), "nothing written");
        assertThrows(IllegalArgumentException.class, () -> g.branches().merge("dev", "other"));
    }

    @Test
    void aBranchCreatedAtAVersionSeesThatVersionAndABranchOfABranchReadsItsParentsFork() throws Exception {
        g.branches().create("old", "main", 1L);
        assertEquals(0, count("old", "node:Person"), "created at main's version 1, before the append");
        g.branches().create("dev", "main", null);
        appendPeople("dev", 10, 1);
        g.branches().create("sub", "dev", null);
        assertEquals(4, count("sub", "node:Person"));
        try (GraphTransaction tx = g.begin("test", "sub")) {
            tx.delete("node:Person", "id = 10");
            tx.commit();
        }
        assertEquals(3, count("sub", "node:Person"), "a delete on a fork of a fork");
        assertEquals(4, count("dev", "node:Person"));
        IllegalStateException parent = assertThrows(IllegalStateException.class, () -> g.branches().delete("dev", false));
        assertTrue(parent.getMessage().contains("sub"), parent.getMessage());
        assertThrows(ManifestConflictException.class, () -> g.branches().create("dev", "main", null));
        assertThrows(BranchNotFoundException.class, () -> g.begin("test", "nope"));
    }

    @Test
    void deleteRefusesPendingSidecarsUnlessToldAndReclaimsTheForks() throws Exception {
        g.branches().create("dev", "main", null);
        appendPeople("dev", 10, 1);
        String fork = g.branches().list().get("dev").lanceBranch("dev");
        GraphSession crashing = GraphSession.over(g.graph(), g.leases(), GraphSession.Options.defaults()
                .withFailpoints(Failpoints.throwing("after-commit:1", 1)));
        GraphTransaction tx = crashing.begin("crasher", "dev");
        tx.append("node:Person", people(20, 1, "dev"));
        assertThrows(Failpoints.Crash.class, tx::commit);

        RecoveryRequiredException refused = assertThrows(RecoveryRequiredException.class, () -> g.branches().delete("dev", false));
        assertTrue(refused.getMessage().contains("pending sidecars"), refused.getMessage());
        assertTrue(g.branches().list().containsKey("dev"));

        GraphBranches.Deleted d = g.branches().delete("dev", true);
        assertEquals(1, d.orphaned().size());
        assertEquals(1, d.forksReclaimed());
        Manifest main = g.graph().manifests().require();
        assertFalse(main.branches().containsKey("dev"));
        assertTrue(main.deletedBranches().contains("dev"));
        assertEquals(List.of(), g.graph().tables().branches().list(TableKey.parse("node:Person")), fork + " reclaimed");
        assertEquals(1, g.graph().sidecars().orphans(main).size(), "the crashed writer's sidecar is now an orphan");
        assertThrows(RecoveryRequiredException.class, () -> g.branches().create("dev", "main", null),
                "the name is not reused while an orphan of it is pending");
        assertEquals(3, count("main", "node:Person"));
    }
}
