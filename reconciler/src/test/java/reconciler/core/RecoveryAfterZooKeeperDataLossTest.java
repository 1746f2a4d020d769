package reconciler.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reconciler.graph.Failpoints;
import reconciler.graph.GraphSession;
import reconciler.graph.GraphTransaction;
import reconciler.leases.EmbeddedZooKeeper;
import reconciler.leases.LeaseManager;
import reconciler.sidecar.Sidecar;
import reconciler.sidecar.SidecarEntry;
import reconciler.storage.ArrowRows;
import reconciler.storage.ArrowTypes;

/**
 * Recovery after a ZooKeeper data loss (a fresh server, as after a wiped {@code stateDir}): the
 * fence counters restart at 0, below the tokens the manifest and the crashed writer's sidecar
 * record. The recoverer raises its tokens above both, so its roll forward publishes (before: its
 * publish carried token 1 and was fenced off, every pass FAILED and writers stayed refused by the
 * pending sidecar) and the new pins carry a token above the crashed writer's.
 */
class RecoveryAfterZooKeeperDataLossTest {

    static final Schema ITEM = new Schema(List.of(ArrowTypes.field("id", "int64 not null"), ArrowTypes.field("name", "utf8")));

    private static void append(GraphSession g, int id) throws Exception {
        try (GraphTransaction tx = g.begin("test")) {
            tx.append("node:Item", ArrowRows.reader(g.graph().tables().allocator(), ITEM, List.of(Map.of("id", (long) id, "name", "i")), 10));
            tx.append("node:Other", ArrowRows.reader(g.graph().tables().allocator(), ITEM, List.of(Map.of("id", (long) id, "name", "o")), 10));
            tx.commit();
        }
    }

    @Test
    void aSidecarLeftBeforeTheLossIsRolledForwardWithTokensAboveEveryRecordedOne(@TempDir Path dir) throws Exception {
        String root = dir.resolve("g").toString();
        Sidecar crashed;
        try (EmbeddedZooKeeper before = EmbeddedZooKeeper.start(dir.resolve("zk-before"), 0, 100);
             GraphSession g = GraphSession.open(root, GraphSession.Options.defaults().withZookeeper(before.connectString())
                     .withFailpoints(Failpoints.throwing("after-commit:2", 4)))) {
            g.init("g", Map.of("node:Item", ITEM, "node:Other", ITEM));
            for (int i = 0; i < 3; i++) {
                append(g, i);
            }
            assertThrows(Failpoints.Crash.class, () -> append(g, 3)); // both tables committed, not published
            crashed = ((SidecarEntry.Valid) g.graph().sidecars().list().get(0)).sidecar();
        }
        assertEquals(List.of(4L, 4L), crashed.tables().stream().map(Sidecar.SidecarTable::fencingToken).toList());

        try (EmbeddedZooKeeper after = EmbeddedZooKeeper.start(dir.resolve("zk-after"), 0, 100); // its counters start at 0
             LeaseManager leases = new LeaseManager(after.connectString(), Duration.ofSeconds(4), Duration.ofSeconds(10));
             GraphSession g = GraphSession.open(root, GraphSession.Options.defaults().withZookeeper(after.connectString()))) {
            Recoverer recoverer = new Recoverer(leases, new AuditLog(dir.resolve("audit.jsonl")), Duration.ofSeconds(10), Failpoints.none());
            Recoverer.Result r = recoverer.recover(g.graph(), crashed);
            assertEquals(Recoverer.Status.RESOLVED, r.status(), r.message());
            assertEquals(Classifier.Action.ROLL_FORWARD, r.action());
            var m = g.graph().manifests().require();
            assertEquals(5L, m.pin("node:Item").fencingToken(), "above the crashed writer's 4");
            assertEquals(5L, m.pin("node:Other").fencingToken());
            assertTrue(g.graph().sidecars().list().isEmpty());
            append(g, 10); // and writers go on
            assertEquals(6L, g.graph().manifests().require().pin("node:Item").fencingToken());
        }
    }
}
