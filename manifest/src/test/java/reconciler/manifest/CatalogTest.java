package reconciler.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reconciler.storage.ColumnSpec;
import reconciler.storage.Json;
import reconciler.storage.LocalGraphStore;

/** The catalog of declared indexes in the manifest (docs/indexes.md): format, compatibility, publish semantics. */
class CatalogTest {

    static final String PKG = "node:Package";
    static final String DEP = "edge:DependsOn";
    static final List<ColumnSpec> COLS = List.of(new ColumnSpec("name", "utf8"), new ColumnSpec("embedding", ColumnSpec.VECTOR64));
    static final IndexSpec NAME_IDX = new IndexSpec("name_idx", List.of("name"), "BTREE", null, null, 1);
    static final IndexSpec VEC = new IndexSpec("embedding_ivfpq", List.of("embedding"), "IVF_PQ",
            new TreeMap<>(Map.of("distance", "l2", "num_partitions", "16")), new TreeMap<>(Map.of("max_iters", "10")), 1);

    @TempDir
    Path dir;
    LocalGraphStore store;
    ManifestStore manifests;

    @BeforeEach
    void init() throws Exception {
        store = new LocalGraphStore(dir);
        manifests = new ManifestStore(store);
        TreeMap<String, TablePin> t = new TreeMap<>();
        t.put(PKG, new TablePin(1, 0, COLS, List.of(NAME_IDX)));
        t.put(DEP, new TablePin(1, 0, COLS));
        manifests.init("g", t);
    }

    @Test
    void catalogRoundTripsAndIsOmittedWhenEmpty() throws Exception {
        String json = new String(store.read(ManifestStore.key(1)).orElseThrow(), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"indexes\""), json);
        assertEquals(1, json.split("\"indexes\"", -1).length - 1, "only the table with a catalog carries the field: " + json);
        assertFalse(json.contains("\"params\""), "empty params are omitted: " + json);
        Manifest m = manifests.read(1).orElseThrow();
        assertEquals(List.of(NAME_IDX), m.pin(PKG).indexes());
        assertEquals(List.of(), m.pin(DEP).indexes());
    }

    @Test
    void manifestsWrittenBeforeTheCatalogStillRead() throws Exception {
        String old = "{\"formatVersion\":1,\"graphId\":\"g\",\"version\":2,\"previousVersion\":1,\"operationId\":\"x\",\"kind\":\"write\","
                + "\"publishedAt\":\"2026-11-23T19:29:18.1Z\",\"tables\":{\"node:Package\":{\"version\":3,\"fencingToken\":2,"
                + "\"columns\":[{\"name\":\"name\",\"type\":\"utf8\"}]}}}";
        Manifest m = Json.MAPPER.readValue(old, Manifest.class);
        assertEquals(List.of(), m.pin(PKG).indexes());
        String bad = old.replace("\"columns\"", "\"indexes\":[{\"name\":\"x\",\"columns\":[\"name\"],\"type\":\"BTREE\",\"declaredAt\":1,"
                + "\"surprise\":1}],\"columns\"");
        assertThrows(Exception.class, () -> Json.MAPPER.readValue(bad, Manifest.class), "unknown fields stay errors");
    }

    @Test
    void declarationsAreCheckedAgainstTheTable() {
        assertThrows(IllegalArgumentException.class, () -> new TablePin(1, 0, COLS,
                List.of(new IndexSpec("x", List.of("nope"), "BTREE", null, null, 1))));
        assertThrows(IllegalArgumentException.class, () -> new TablePin(1, 0, COLS, List.of(NAME_IDX, NAME_IDX)));
        assertThrows(IllegalArgumentException.class, () -> new IndexSpec("x", List.of("name"), "btree", null, null, 1));
    }

    @Test
    void pinMovesKeepTheCatalogAndCatalogPublishesMoveNoPin() throws Exception {
        Manifest w = manifests.publish("op1", Manifest.KIND_WRITE, List.of(new PinUpdate(PKG, 1, 2, 3)));
        assertEquals(List.of(NAME_IDX), w.pin(PKG).indexes(), "a writer's publish keeps the catalog");

        Manifest c = manifests.publish("op2", Manifest.KIND_CATALOG, List.of(new PinUpdate(PKG, 2, 2, 4, List.of(NAME_IDX, VEC),
                List.of(NAME_IDX))));
        assertEquals(2, c.pin(PKG).version());
        assertEquals(4, c.pin(PKG).fencingToken());
        assertEquals(List.of(NAME_IDX, VEC), c.pin(PKG).indexes());
        assertEquals(List.of(NAME_IDX, VEC), manifests.read(c.version()).orElseThrow().pin(PKG).indexes());
    }

    @Test
    void aCatalogEditBasedOnAStaleCatalogConflicts() throws Exception {
        manifests.publish("op1", Manifest.KIND_CATALOG, List.of(new PinUpdate(PKG, 1, 1, 1, List.of(), List.of(NAME_IDX))));
        ManifestConflictException e = assertThrows(ManifestConflictException.class, () -> manifests.publish("op2", Manifest.KIND_CATALOG,
                List.of(new PinUpdate(PKG, 1, 1, 1, List.of(NAME_IDX, VEC), List.of(NAME_IDX)))));
        assertTrue(e.getMessage().contains("catalog"), e.getMessage());
        // a disjoint table's catalog edit still rebases over it
        Manifest d = manifests.publish("op3", Manifest.KIND_CATALOG, List.of(new PinUpdate(DEP, 1, 1, 1, List.of(NAME_IDX), List.of())));
        assertEquals(List.of(NAME_IDX), d.pin(DEP).indexes());
        assertEquals(List.of(), d.pin(PKG).indexes());
    }
}
