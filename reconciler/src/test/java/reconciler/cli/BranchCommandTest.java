package reconciler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reconciler.graph.Failpoints;
import reconciler.graph.GraphSession;
import reconciler.graph.GraphTransaction;
import reconciler.leases.EmbeddedZooKeeper;
import reconciler.storage.ArrowRows;
import reconciler.storage.ArrowTypes;

/** {@code graph branch create|list|delete|merge}: printed lines and exit codes, on a real graph and ZooKeeper. */
class BranchCommandTest {

    @TempDir
    static Path dir;
    static EmbeddedZooKeeper zk;
    static Path root;
    static Path config;
    static final Schema ITEM = new Schema(List.of(ArrowTypes.field("id", "int64"), ArrowTypes.field("name", "utf8")));

    @BeforeAll
    static void setUp() throws Exception {
        zk = EmbeddedZooKeeper.start(dir.resolve("zk"), 0, 100);
        root = dir.resolve("shop");
        config = dir.resolve("zk.yaml");
        Files.writeString(config, "graphs: []\nzookeeper:\n  connect: \"" + zk.connectString() + "\"\n");
        try (GraphSession g = session()) {
            g.init("shop", Map.of("node:Item", ITEM, "node:Tag", ITEM));
            write(g, "main", "node:Item", 0);
        }
    }

    static GraphSession session() throws Exception {
        return GraphSession.open(root.toString(), GraphSession.Options.defaults().withZookeeper(zk.connectString()));
    }

    static void write(GraphSession g, String branch, String table, long id) throws Exception {
        try (GraphTransaction tx = g.begin("seed", branch)) {
            tx.append(table, ArrowRows.reader(g.graph().tables().allocator(), ITEM, List.of(Map.of("id", id, "name", "n" + id)), 10));
            tx.commit();
        }
    }

    @AfterAll
    static void tearDown() {
        zk.close();
    }

    static CliRun run(String... args) {
        return CliRun.withConfig(config, args);
    }

    @Test
    void createListMergeDeleteWithTheirRefusals() throws Exception {
        String g = root.toString();
        CliRun created = run("graph", "branch", "create", g, "dev");
        assertEquals(0, created.code(), created.err());
        assertTrue(created.out().startsWith("CREATED dev id="), created.out());
        assertEquals(3, run("graph", "branch", "create", g, "dev").code(), "exists already");
        assertEquals(2, run("graph", "branch", "create", g, "bad/name").code());
        assertEquals(2, run("graph", "branch", "create", g, "x", "--from", "nope").code(), "unknown --from");
        assertEquals(2, run("graph", "branch", "create", g, "x", "--at", "99").code(), "unknown --at version");
        assertEquals(0, run("graph", "branch", "create", g, "old", "--at", "1").code());
        CliRun list = run("graph", "branch", "list", g);
        assertEquals(List.of("main", "dev", "old"), list.out().lines().map(l -> l.split(" ")[0]).toList());

        try (GraphSession s = session()) {
            write(s, "dev", "node:Item", 10);
            write(s, "old", "node:Item", 20);
            write(s, "main", "node:Tag", 30);
        }
        CliRun merged = run("graph", "branch", "merge", g, "dev", "--into", "main");
        assertEquals(0, merged.code(), merged.err() + merged.out());
        assertTrue(merged.out().startsWith("MERGED dev tables=[node:Item]"), merged.out());
        CliRun conflict = run("graph", "branch", "merge", g, "old");
        assertEquals(3, conflict.code(), conflict.err());
        assertTrue(conflict.out().contains("REFUSED") && conflict.out().contains("node:Item"), conflict.out());

        try (GraphSession s = GraphSession.open(root.toString(), GraphSession.Options.defaults().withZookeeper(zk.connectString())
                .withFailpoints(Failpoints.throwing("after-commit:1", 1)))) {
            write(s, "old", "node:Item", 21);
            throw new AssertionError("no crash");
        } catch (Failpoints.Crash expected) {
            // a crashed writer's sidecar on branch old
        }
        CliRun listed = run("sidecars", g);
        assertEquals(1, listed.code(), "a branch's pending sidecar is pending for the graph");
        assertTrue(listed.out().contains(", branch old): would ROLL_FORWARD"), listed.out());
        CliRun pending = run("graph", "branch", "delete", g, "old");
        assertEquals(3, pending.code());
        assertTrue(pending.out().contains("pending sidecars") && pending.out().contains("heal them first"), pending.out());
        CliRun deleted = run("graph", "branch", "delete", g, "old", "--discard-pending");
        assertEquals(0, deleted.code(), deleted.err());
        assertTrue(deleted.out().startsWith("DELETED old") && deleted.out().contains("forksReclaimed=1"), deleted.out());
        assertEquals(List.of("main", "dev"), run("graph", "branch", "list", g).out().lines().map(l -> l.split(" ")[0]).toList());
        assertEquals(2, run("graph", "branch", "delete", g, "old").code(), "no such branch any more");
    }
}
