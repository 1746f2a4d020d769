package reconciler.storage;

import java.util.Set;

/**
 * One declared column of a table: a name and a logical type. Types: {@code utf8} (nullable
 * string), {@code int64} (nullable signed 64-bit integer) and {@code vector64} (nullable
 * {@code fixed_size_list<float32, 64>}, an embedding for vector indexes; docs/indexes.md).
 *
 * @param name column name, 1..128 characters from {@code [a-z0-9_]}, starting with a letter
 * @param type {@code utf8}, {@code int64} or {@code vector64}
 */
public record ColumnSpec(String name, String type) {

    /** A 64-dimensional float32 vector ({@code fixed_size_list<float32, 64>}). */
    public static final String VECTOR64 = "vector64";
    /** Dimension of {@link #VECTOR64}. */
    public static final int VECTOR64_DIM = 64;

    /** The supported logical types. */
    public static final Set<String> TYPES = Set.of("utf8", "int64", VECTOR64);

    public ColumnSpec {
        if (name == null || !name.matches("[a-z][a-z0-9_]{0,127}")) {
            throw new IllegalArgumentException("column name must match [a-z][a-z0-9_]{0,127}, got '" + name + "'");
        }
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("column '" + name + "': type must be one of " + TYPES + ", got '" + type + "'");
        }
    }
}
