package reconciler.indexer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import reconciler.manifest.IndexSpec;
import reconciler.storage.ColumnSpec;

/** Declaration validation, defaults, drift detection from Lance index details, segment chunking. No Lance I/O. */
class IndexSpecsTest {

    static final List<ColumnSpec> COLS = List.of(new ColumnSpec("name", "utf8"), new ColumnSpec("size", "int64"),
            new ColumnSpec("embedding", ColumnSpec.VECTOR64));

    static IndexSpec spec(String type, String column, Map<String, String> params) {
        return new IndexSpec("i", List.of(column), type, new TreeMap<>(params), null, 3);
    }

    @Test
    void defaultsAreFilledIn() {
        IndexSpec pq = IndexSpecs.normalize(spec("IVF_PQ", "embedding", Map.of("distance", "COSINE")), COLS);
        assertEquals(Map.of("distance", "cosine", "num_partitions", "16", "num_sub_vectors", "8", "num_bits", "8"), pq.params());
        IndexSpec inv = IndexSpecs.normalize(spec("INVERTED", "name", Map.of("stem", "FALSE")), COLS);
        assertEquals("false", inv.params().get("stem"));
        assertEquals("simple", inv.params().get("base_tokenizer"));
        assertEquals(3, inv.declaredAt());
        assertEquals(Map.of(), IndexSpecs.normalize(spec("BTREE", "size", Map.of()), COLS).params());
    }

    @Test
    void badDeclarationsNameTheProblem() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> IndexSpecs.normalize(spec("HASH", "name", Map.of()), COLS))
                .getMessage().contains("unsupported type"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> IndexSpecs.normalize(spec("BTREE", "nope", Map.of()), COLS))
                .getMessage().contains("no column"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> IndexSpecs.normalize(spec("BTREE", "embedding", Map.of()), COLS))
                .getMessage().contains("vector64"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> IndexSpecs.normalize(spec("INVERTED", "size", Map.of()), COLS))
                .getMessage().contains("utf8"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> IndexSpecs.normalize(spec("BTREE", "name", Map.of("x", "1")), COLS))
                .getMessage().contains("unknown parameter"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> IndexSpecs.normalize(spec("IVF_PQ", "embedding",
                Map.of("num_sub_vectors", "5")), COLS)).getMessage().contains("divide"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> IndexSpecs.normalize(spec("IVF_HNSW_SQ", "embedding",
                Map.of("distance", "manhattan")), COLS)).getMessage().contains("distance"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> IndexSpecs.normalize(spec("IVF_PQ", "embedding",
                Map.of("num_partitions", "zero")), COLS)).getMessage().contains("positive integer"));
        assertThrows(IllegalArgumentException.class, () -> new IndexSpec("bad name", List.of("name"), "BTREE", null, null, 0));
        assertThrows(IllegalArgumentException.class, () -> new IndexSpec("i", List.of(), "BTREE", null, null, 0));
    }

    @Test
    void driftIsReadFromTheDetailsLanceExposes() {
        IndexSpec pq = IndexSpecs.normalize(spec("IVF_PQ", "embedding", Map.of()), COLS);
        String details = "{\"metric_type\":\"L2\",\"compression\":{\"type\":\"pq\",\"num_bits\":8,\"num_sub_vectors\":8}}";
        assertEquals(List.of(), IndexSpecs.drift(pq, "IVF_PQ", List.of("embedding"), details));
        List<String> d = IndexSpecs.drift(pq, "IVF_PQ", List.of("embedding"),
                "{\"metric_type\":\"COSINE\",\"compression\":{\"type\":\"pq\",\"num_bits\":8,\"num_sub_vectors\":16}}");
        assertEquals(2, d.size(), d.toString());
        assertTrue(d.get(0).startsWith("distance=cosine"), d.toString());
        assertEquals(List.of("type IVF_HNSW_SQ, declared IVF_PQ"), IndexSpecs.drift(pq, "IVF_HNSW_SQ", List.of("embedding"), "{}"));

        IndexSpec hnsw = IndexSpecs.normalize(spec("IVF_HNSW_SQ", "embedding", Map.of("m", "16")), COLS);
        assertEquals(List.of("m=20, declared 16"), IndexSpecs.drift(hnsw, "IVF_HNSW_SQ", List.of("embedding"),
                "{\"metric_type\":\"L2\",\"hnsw\":{\"max_connections\":20,\"construction_ef\":150},\"compression\":{\"type\":\"sq\",\"num_bits\":8}}"));

        IndexSpec inv = IndexSpecs.normalize(spec("INVERTED", "name", Map.of()), COLS);
        assertEquals(List.of("with_position=true, declared false"), IndexSpecs.drift(inv, "Inverted", List.of("name"),
                "{\"base_tokenizer\":\"simple\",\"language\":\"English\",\"with_position\":true}"));
        assertEquals(List.of("columns [size], declared [name]"), IndexSpecs.drift(spec("BTREE", "name", Map.of()), "BTree", List.of("size"), "{}"));
        assertEquals(List.of(), IndexSpecs.drift(spec("BITMAP", "name", Map.of()), "Bitmap", List.of("name"), "{}"));
    }

    @Test
    void fragmentsAreCutIntoSegmentsOfBoundedRows() {
        Map<Integer, Long> f = new LinkedHashMap<>();
        f.put(0, 600L);
        f.put(1, 600L);
        f.put(2, 100L);
        f.put(3, 2000L);
        assertEquals(List.of(List.of(0), List.of(1, 2), List.of(3)), IndexBuilder.chunks(f, 1000));
        assertEquals(List.of(List.of(0, 1, 2, 3)), IndexBuilder.chunks(f, 1_000_000));
    }

    @Test
    void vectorTrainingNeedsEnoughRows() {
        assertEquals(256, IndexSpecs.minRowsToTrain(IndexSpecs.normalize(spec("IVF_PQ", "embedding", Map.of()), COLS)));
        assertEquals(16, IndexSpecs.minRowsToTrain(IndexSpecs.normalize(spec("IVF_HNSW_SQ", "embedding", Map.of()), COLS)));
        assertEquals(0, IndexSpecs.minRowsToTrain(spec("BTREE", "name", Map.of())));
    }
}
