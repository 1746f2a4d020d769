package reconciler.indexer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.lance.index.DistanceType;
import org.lance.index.IndexParams;
import org.lance.index.IndexType;
import org.lance.index.scalar.BTreeIndexParams;
import org.lance.index.scalar.BitmapIndexParams;
import org.lance.index.scalar.InvertedIndexParams;
import reconciler.manifest.IndexSpec;
import reconciler.storage.ColumnSpec;

/**
 * What the indexer supports of the catalog: the index types, their parameters (defining: a change
 * means a rebuild) and options (build knobs), defaults, validation, the Lance parameters of a
 * build, and the comparison of a declared index with what Lance reports (drift).
 */
public final class IndexSpecs {
    private IndexSpecs() {
    }

    public static final String BTREE = "BTREE";
    public static final String BITMAP = "BITMAP";
    public static final String INVERTED = "INVERTED";
    public static final String IVF_PQ = "IVF_PQ";
    public static final String IVF_HNSW_SQ = "IVF_HNSW_SQ";

    /** Supported types. */
    public static final Set<String> TYPES = Set.of(BTREE, BITMAP, INVERTED, IVF_PQ, IVF_HNSW_SQ);

    private static final Map<String, Map<String, String>> PARAM_DEFAULTS = Map.of(
            BTREE, Map.of(),
            BITMAP, Map.of(),
            INVERTED, Map.of("base_tokenizer", "simple", "language", "English", "with_position", "false"),
            IVF_PQ, Map.of("distance", "l2", "num_partitions", "16", "num_sub_vectors", "8", "num_bits", "8"),
            IVF_HNSW_SQ, Map.of("distance", "l2", "num_partitions", "16", "m", "20", "ef_construction", "150", "num_bits", "8"));

    private static final Map<String, Set<String>> PARAM_KEYS = Map.of(
            BTREE, Set.of("zone_size"),
            BITMAP, Set.of(),
            INVERTED, Set.of("base_tokenizer", "language", "with_position", "lower_case", "stem", "remove_stop_words",
                    "ascii_folding", "max_token_length"),
            IVF_PQ, Set.of("distance", "num_partitions", "num_sub_vectors", "num_bits"),
            IVF_HNSW_SQ, Set.of("distance", "num_partitions", "m", "ef_construction", "num_bits"));

    private static final Map<String, Set<String>> OPTION_KEYS = Map.of(
            BTREE, Set.of(), BITMAP, Set.of(), INVERTED, Set.of(),
            IVF_PQ, Set.of("max_iters", "sample_rate"),
            IVF_HNSW_SQ, Set.of("max_iters", "sample_rate"));

    private static final Set<String> BOOLEAN_PARAMS = Set.of("with_position", "lower_case", "stem", "remove_stop_words", "ascii_folding");
    private static final Set<String> INT_PARAMS = Set.of("zone_size", "max_token_length", "num_partitions", "num_sub_vectors", "num_bits",
            "m", "ef_construction", "max_iters", "sample_rate");

    /** Whether the type is a vector index. */
    public static boolean isVector(String type) {
        return IVF_PQ.equals(type) || IVF_HNSW_SQ.equals(type);
    }

    /**
     * Validates a declaration against the table's columns and fills in default parameters, so the
     * catalog states every defining parameter explicitly.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static IndexSpec normalize(IndexSpec spec, List<ColumnSpec> tableColumns) {
        String type = spec.type();
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("index " + spec.name() + ": unsupported type " + type + " (supported: " + new TreeMap<>(
                    Map.of(BTREE, 1, BITMAP, 1, INVERTED, 1, IVF_PQ, 1, IVF_HNSW_SQ, 1)).keySet() + ")");
        }
        if (spec.columns().size() != 1) {
            throw new IllegalArgumentException("index " + spec.name() + ": exactly one column is supported, got " + spec.columns());
        }
        String column = spec.columns().get(0);
        ColumnSpec col = tableColumns.stream().filter(c -> c.name().equals(column)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("index " + spec.name() + ": the table has no column '" + column + "'"));
        if (isVector(type) != ColumnSpec.VECTOR64.equals(col.type())) {
            throw new IllegalArgumentException("index " + spec.name() + ": type " + type + " does not fit column '" + column + "' of type "
                    + col.type() + (isVector(type) ? " (vector indexes need a vector64 column)" : " (a vector64 column needs IVF_PQ or IVF_HNSW_SQ)"));
        }
        if (INVERTED.equals(type) && !"utf8".equals(col.type())) {
            throw new IllegalArgumentException("index " + spec.name() + ": INVERTED needs a utf8 column");
        }
        for (String k : spec.params().keySet()) {
            if (!PARAM_KEYS.get(type).contains(k)) {
                throw new IllegalArgumentException("index " + spec.name() + ": unknown parameter '" + k + "' for " + type
                        + " (known: " + new TreeMap<>(toMap(PARAM_KEYS.get(type))).keySet() + ")");
            }
        }
        for (String k : spec.options().keySet()) {
            if (!OPTION_KEYS.get(type).contains(k)) {
                throw new IllegalArgumentException("index " + spec.name() + ": unknown option '" + k + "' for " + type
                        + " (known: " + new TreeMap<>(toMap(OPTION_KEYS.get(type))).keySet() + ")");
            }
        }
        SortedMap<String, String> params = new TreeMap<>(PARAM_DEFAULTS.get(type));
        params.putAll(spec.params());
        for (Map.Entry<String, String> e : params.entrySet()) {
            e.setValue(checkValue(spec.name(), e.getKey(), e.getValue()));
        }
        for (Map.Entry<String, String> e : spec.options().entrySet()) {
            checkValue(spec.name(), e.getKey(), e.getValue());
        }
        if (isVector(type)) {
            String d = params.get("distance").toLowerCase(Locale.ROOT);
            if (!Set.of("l2", "cosine", "dot").contains(d)) {
                throw new IllegalArgumentException("index " + spec.name() + ": distance must be l2, cosine or dot, got " + d);
            }
            params.put("distance", d);
            int parts = Integer.parseInt(params.get("num_partitions"));
            if (parts < 1) {
                throw new IllegalArgumentException("index " + spec.name() + ": num_partitions must be >= 1");
            }
            int bits = Integer.parseInt(params.get("num_bits"));
            if (IVF_PQ.equals(type)) {
                int sub = Integer.parseInt(params.get("num_sub_vectors"));
                if (sub < 1 || ColumnSpec.VECTOR64_DIM % sub != 0) {
                    throw new IllegalArgumentException("index " + spec.name() + ": num_sub_vectors must divide the dimension "
                            + ColumnSpec.VECTOR64_DIM + ", got " + sub);
                }
                if (bits != 4 && bits != 8) {
                    throw new IllegalArgumentException("index " + spec.name() + ": num_bits must be 4 or 8 for PQ");
                }
            } else if (bits != 4 && bits != 8 && bits != 16) {
                throw new IllegalArgumentException("index " + spec.name() + ": num_bits must be 4, 8 or 16 for SQ");
            }
        }
        return new IndexSpec(spec.name(), spec.columns(), type, params, spec.options(), spec.declaredAt());
    }

    private static Map<String, Integer> toMap(Set<String> s) {
        Map<String, Integer> m = new LinkedHashMap<>();
        s.forEach(k -> m.put(k, 1));
        return m;
    }

    private static String checkValue(String index, String key, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("index " + index + ": '" + key + "' needs a value");
        }
        if (BOOLEAN_PARAMS.contains(key)) {
            String v = value.toLowerCase(Locale.ROOT);
            if (!v.equals("true") && !v.equals("false")) {
                throw new IllegalArgumentException("index " + index + ": '" + key + "' must be true or false, got " + value);
            }
            return v;
        }
        if (INT_PARAMS.contains(key)) {
            try {
                long n = Long.parseLong(value.trim());
                if (n < 1) {
                    throw new NumberFormatException();
                }
                return Long.toString(n);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("index " + index + ": '" + key + "' must be a positive integer, got " + value);
            }
        }
        return value;
    }

    /** Lance's index type for a build. */
    public static IndexType lanceType(String type) {
        return switch (type) {
            case BTREE -> IndexType.BTREE;
            case BITMAP -> IndexType.BITMAP;
            case INVERTED -> IndexType.INVERTED;
            case IVF_PQ -> IndexType.IVF_PQ;
            case IVF_HNSW_SQ -> IndexType.IVF_HNSW_SQ;
            default -> throw new IllegalArgumentException("unsupported index type " + type);
        };
    }

    /** Our type name for the type string of Lance's {@code describeIndices()} ({@code BTree}, {@code Inverted}, ...). */
    public static String fromLanceDescription(String lanceType) {
        if (lanceType == null) {
            return "UNKNOWN";
        }
        return switch (lanceType) {
            case "BTree", "BTREE" -> BTREE;
            case "Bitmap", "BITMAP" -> BITMAP;
            case "Inverted", "INVERTED" -> INVERTED;
            default -> lanceType.toUpperCase(Locale.ROOT);
        };
    }

    /** Scalar build parameters (BTREE, BITMAP, INVERTED). Staged BITMAP builds need {@code shardId(0)} (lance-java-notes.md). */
    public static IndexParams scalarParams(IndexSpec spec) {
        Map<String, String> p = spec.params();
        return switch (spec.type()) {
            case BTREE -> {
                BTreeIndexParams.Builder b = BTreeIndexParams.builder();
                if (p.containsKey("zone_size")) {
                    b.zoneSize(Long.parseLong(p.get("zone_size")));
                }
                yield IndexParams.builder().setScalarIndexParams(b.build()).build();
            }
            case BITMAP -> IndexParams.builder().setScalarIndexParams(BitmapIndexParams.builder().shardId(0).build()).build();
            case INVERTED -> {
                InvertedIndexParams.Builder b = InvertedIndexParams.builder()
                        .baseTokenizer(p.getOrDefault("base_tokenizer", "simple"))
                        .language(p.getOrDefault("language", "English"))
                        .withPosition(Boolean.parseBoolean(p.getOrDefault("with_position", "false")));
                if (p.containsKey("lower_case")) {
                    b.lowerCase(Boolean.parseBoolean(p.get("lower_case")));
                }
                if (p.containsKey("stem")) {
                    b.stem(Boolean.parseBoolean(p.get("stem")));
                }
                if (p.containsKey("remove_stop_words")) {
                    b.removeStopWords(Boolean.parseBoolean(p.get("remove_stop_words")));
                }
                if (p.containsKey("ascii_folding")) {
                    b.asciiFolding(Boolean.parseBoolean(p.get("ascii_folding")));
                }
                if (p.containsKey("max_token_length")) {
                    b.maxTokenLength(Integer.parseInt(p.get("max_token_length")));
                }
                yield IndexParams.builder().setScalarIndexParams(b.build()).build();
            }
            default -> throw new IllegalArgumentException("not a scalar index type: " + spec.type());
        };
    }

    /** Lance distance type of a vector index. */
    public static DistanceType distance(IndexSpec spec) {
        return switch (spec.params().getOrDefault("distance", "l2")) {
            case "cosine" -> DistanceType.Cosine;
            case "dot" -> DistanceType.Dot;
            default -> DistanceType.L2;
        };
    }

    /** An integer parameter or option with a default. */
    static int intParam(IndexSpec spec, String key, int dflt) {
        String v = spec.params().containsKey(key) ? spec.params().get(key) : spec.options().get(key);
        return v == null ? dflt : Integer.parseInt(v);
    }

    /**
     * Rows a vector index needs before it can be trained: IVF needs at least one row per partition,
     * PQ at least one per codebook entry (2^num_bits). 0 for scalar indexes.
     */
    public static long minRowsToTrain(IndexSpec spec) {
        if (!isVector(spec.type())) {
            return 0;
        }
        long n = intParam(spec, "num_partitions", 16);
        if (IVF_PQ.equals(spec.type())) {
            n = Math.max(n, 1L << intParam(spec, "num_bits", 8));
        }
        return n;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * How the index Lance reports differs from the declaration, from metadata only: the type, the
     * indexed column, and the parameters Lance exposes in the index details (INVERTED tokenizer
     * settings; vector distance, PQ sub-vectors and bits, SQ bits, HNSW m and ef_construction).
     * Parameters Lance 7.0.0 does not expose (IVF partitions, BTREE zone size) are covered by the
     * {@code declaredAt} rule in {@link CoverageReader}.
     *
     * @param lanceType the description's type ({@code BTree}, {@code IVF_PQ}, ...)
     * @param columns the indexed columns Lance reports
     * @param detailsJson the description's details
     * @return one line per difference; empty when none
     */
    public static List<String> drift(IndexSpec spec, String lanceType, List<String> columns, String detailsJson) {
        List<String> out = new ArrayList<>();
        String actual = fromLanceDescription(lanceType);
        if (!spec.type().equals(actual)) {
            out.add("type " + actual + ", declared " + spec.type());
            return out;
        }
        if (!columns.equals(spec.columns())) {
            out.add("columns " + columns + ", declared " + spec.columns());
        }
        JsonNode d;
        try {
            d = detailsJson == null || detailsJson.isBlank() ? JSON.createObjectNode() : JSON.readTree(detailsJson);
        } catch (Exception e) {
            return out; // unreadable details: nothing to compare
        }
        Map<String, String> p = spec.params();
        switch (spec.type()) {
            case INVERTED -> {
                for (String k : List.of("base_tokenizer", "language", "with_position", "lower_case", "stem", "remove_stop_words",
                        "ascii_folding", "max_token_length")) {
                    if (p.containsKey(k) && d.has(k) && !d.get(k).isNull() && !p.get(k).equalsIgnoreCase(d.get(k).asText())) {
                        out.add(k + "=" + d.get(k).asText() + ", declared " + p.get(k));
                    }
                }
            }
            case IVF_PQ, IVF_HNSW_SQ -> {
                compare(out, "distance", p.get("distance"), d.path("metric_type"));
                JsonNode c = d.path("compression");
                compare(out, "num_bits", p.get("num_bits"), c.path("num_bits"));
                if (IVF_PQ.equals(spec.type())) {
                    compare(out, "compression", "pq", c.path("type"));
                    compare(out, "num_sub_vectors", p.get("num_sub_vectors"), c.path("num_sub_vectors"));
                } else {
                    compare(out, "compression", "sq", c.path("type"));
                    compare(out, "m", p.get("m"), d.path("hnsw").path("max_connections"));
                    compare(out, "ef_construction", p.get("ef_construction"), d.path("hnsw").path("construction_ef"));
                }
            }
            default -> {
                // BTREE, BITMAP: nothing exposed beyond the type
            }
        }
        return out;
    }

    private static void compare(List<String> out, String key, String declared, JsonNode actual) {
        if (declared == null || actual.isMissingNode() || actual.isNull()) {
            return;
        }
        if (!declared.equalsIgnoreCase(actual.asText())) {
            out.add(key + "=" + actual.asText().toLowerCase(Locale.ROOT) + ", declared " + declared);
        }
    }

    /**
     * Parses {@code key=value} pairs (CLI).
     *
     * @throws IllegalArgumentException on a pair without '='
     */
    public static SortedMap<String, String> parsePairs(List<String> pairs) {
        SortedMap<String, String> m = new TreeMap<>();
        for (String kv : pairs) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected key=value, got '" + kv + "'");
            }
            m.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        return m;
    }
}
