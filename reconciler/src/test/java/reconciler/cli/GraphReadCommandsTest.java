package reconciler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reconciler.graph.GraphSession;
import reconciler.graph.GraphTransaction;
import reconciler.leases.EmbeddedZooKeeper;
import reconciler.storage.ArrowRows;
import reconciler.storage.ArrowTypes;
import reconciler.storage.Json;

/** {@code graph tables} and {@code graph scan}: JSON lines at the pins, usage errors exit 2. */
class GraphReadCommandsTest {

    @TempDir
    static Path dir;
    static EmbeddedZooKeeper zk;
    static Path root;
    static Path config;
    static final Schema ITEM = new Schema(List.of(ArrowTypes.field("id", "int64"), ArrowTypes.field("name", "utf8"),
            ArrowTypes.field("price", "decimal128(8, 2)")));

    @BeforeAll
    static void setUp() throws Exception {
        zk = EmbeddedZooKeeper.start(dir.resolve("zk"), 0, 100);
        root = dir.resolve("shop");
        config = dir.resolve("empty.yaml");
        Files.writeString(config, "graphs: []\n");
        try (GraphSession g = GraphSession.open(root.toString(), GraphSession.Options.defaults().withZookeeper(zk.connectString()))) {
            g.init("shop", Map.of("node:Item", ITEM));
            for (int round = 0; round < 2; round++) {
                List<Map<String, Object>> rows = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    rows.add(Map.of("id", (long) (round * 5 + i), "name", "item " + (round * 5 + i), "price", new java.math.BigDecimal("1.50")));
                }
                try (GraphTransaction tx = g.begin("seed")) {
                    tx.append("node:Item", ArrowRows.reader(g.graph().tables().allocator(), ITEM, rows, 10));
                    tx.commit();
                }
            }
        }
    }

    @AfterAll
    static void tearDown() {
        zk.close();
    }

    record Run(int code, List<JsonNode> lines, String err) {
    }

    static Run run(String... args) throws Exception {
        CliRun r = CliRun.withConfig(config, args);
        List<JsonNode> lines = new ArrayList<>();
        for (String l : r.out().split("\n")) {
            if (!l.isBlank()) {
                lines.add(Json.MAPPER.readTree(l));
            }
        }
        return new Run(r.code(), lines, r.err());
    }

    @Test
    void scanPrintsOneJsonObjectPerRowWithFilterColumnsAndLimit() throws Exception {
        Run all = run("graph", "scan", root.toString(), "node:Item");
        assertEquals(Main.OK, all.code(), all.err());
        assertEquals(10, all.lines().size());
        Run some = run("graph", "scan", root.toString(), "node:Item", "--filter", "id >= 7", "--columns", "id,name");
        assertEquals(3, some.lines().size());
        assertEquals(List.of("id", "name"), iterator(some.lines().get(0)));
        assertEquals("item 7", some.lines().stream().filter(n -> n.get("id").asLong() == 7).findFirst().orElseThrow().get("name").asText());
        assertEquals(2, run("graph", "scan", root.toString(), "node:Item", "--limit", "2").lines().size());
        assertEquals(1.5, all.lines().get(0).get("price").asDouble());
    }

    @Test
    void scanAtAnEarlierManifestVersionSeesThePinsOfThatVersion() throws Exception {
        assertEquals(5, run("graph", "scan", root.toString(), "node:Item", "--version", "2").lines().size());
        assertEquals(0, run("graph", "scan", root.toString(), "node:Item", "--version", "1").lines().size());
    }

    @Test
    void tablesListsPinsAndColumnTypes() throws Exception {
        Run r = run("graph", "tables", root.toString());
        assertEquals(Main.OK, r.code(), r.err());
        assertEquals(1, r.lines().size());
        JsonNode t = r.lines().get(0);
        assertEquals("node:Item", t.get("table").asText());
        assertEquals(3, t.get("version").asLong());
        assertEquals("decimal128(8, 2)", t.get("columns").get(2).get("type").asText());
    }

    @Test
    void unknownTablesVersionsAndFiltersAreUsageErrors() throws Exception {
        Run table = run("graph", "scan", root.toString(), "node:Nope");
        assertEquals(Main.USAGE, table.code());
        assertTrue(table.err().contains("no table node:Nope"), table.err());
        Run version = run("graph", "scan", root.toString(), "node:Item", "--version", "99");
        assertEquals(Main.USAGE, version.code());
        assertTrue(version.err().contains("no manifest version 99"), version.err());
        Run filter = run("graph", "scan", root.toString(), "node:Item", "--filter", "id <<< 2");
        assertEquals(Main.USAGE, filter.code());
        assertTrue(filter.err().contains("id <<< 2"), filter.err());
    }

    static List<String> iterator(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
