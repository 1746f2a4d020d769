package reconciler.storage;

import java.util.Set;

/**
 * One declared column of a table: a name and a logical type. Types: {@code utf8} (nullable
 * string) and {@code int64} (nullable signed 64-bit integer).
 *
 * @param name column name, 1..128 characters from {@code [a-z0-9_]}, starting with a letter
 * @param type {@code utf8} or {@code int64}
 */
public record ColumnSpec(String name, String type) {

    /** The supported logical types. */
    public static final Set<String> TYPES = Set.of("utf8", "int64");

    public ColumnSpec {
        if (name == null || !name.matches("[a-z][a-z0-9_]{0,127}")) {
            throw new IllegalArgumentException("column name must match [a-z][a-z0-9_]{0,127}, got '" + name + "'");
        }
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("column '" + name + "': type must be one of " + TYPES + ", got '" + type + "'");
        }
    }
}
