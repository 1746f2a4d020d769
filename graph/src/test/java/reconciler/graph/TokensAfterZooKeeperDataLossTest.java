package reconciler.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reconciler.leases.EmbeddedZooKeeper;
import reconciler.storage.ArrowRows;

/**
 * Fencing tokens stay monotone across a ZooKeeper data loss (issue 16): a graph written through
 * one ZooKeeper whose data is then lost (here: a fresh server, as after a wiped {@code stateDir})
 * restarts its fence counters at 0, below the tokens the manifest records. A writer must not be
 * issued a token at or below them: its commit carries {@code recorded + 1} and is published (before,
 * it got token 1 and its publish was fenced off, so the graph could not be written until someone
 * bumped the counters by hand).
 */
class TokensAfterZooKeeperDataLossTest {

    @TempDir
    Path dir;

    static final Schema ITEM = GraphSessionTest.schema("id: int64 not null", "name: utf8");

    private static void append(GraphSession g, int id) throws Exception {
        ArrowReader rows = ArrowRows.reader(g.graph().tables().allocator(), ITEM, List.of(Map.of("id", (long) id, "name", "n" + id)), 10);
        try (GraphTransaction tx = g.begin("test")) {
            tx.append("node:Item", rows);
            tx.append("node:Other", ArrowRows.reader(g.graph().tables().allocator(), ITEM, List.of(Map.of("id", (long) id, "name", "o")), 10));
            tx.commit();
        }
    }

    @Test
    void aWriterAfterADataLossGetsTokensAboveTheManifestsAndPublishes() throws Exception {
        String root = dir.resolve("g").toString();
        List<Long> recorded = new ArrayList<>();
        try (EmbeddedZooKeeper before = EmbeddedZooKeeper.start(dir.resolve("zk-before"), 0, 100);
             GraphSession g = GraphSession.open(root, GraphSession.Options.defaults().withZookeeper(before.connectString()))) {
            g.init("g", Map.of("node:Item", ITEM, "node:Other", ITEM));
            for (int i = 0; i < 3; i++) {
                append(g, i);
            }
            recorded.add(g.graph().manifests().require().pin("node:Item").fencingToken());
            recorded.add(g.graph().manifests().require().pin("node:Other").fencingToken());
        }
        assertEquals(List.of(3L, 3L), recorded);
        try (EmbeddedZooKeeper after = EmbeddedZooKeeper.start(dir.resolve("zk-after"), 0, 100); // its counters start at 0
             GraphSession g = GraphSession.open(root, GraphSession.Options.defaults().withZookeeper(after.connectString()))) {
            append(g, 10);
            var m = g.graph().manifests().require();
            assertEquals(4L, m.pin("node:Item").fencingToken());
            assertEquals(4L, m.pin("node:Other").fencingToken());
            append(g, 11);
            assertEquals(5L, g.graph().manifests().require().pin("node:Item").fencingToken(), "monotone from there on");
        }
    }
}
