package reconciler.storage;

import java.util.Set;

/**
 * One declared column of a table: a name and a type string ({@link ArrowTypes}: {@code utf8},
 * {@code int64}, {@code timestamp[us, UTC]}, {@code list<float64>}, {@code struct<a: int32>},
 * {@code vector64} = {@code fixed_size_list<float32, 64>}, an embedding for vector indexes, ...).
 * The manifest records every table's columns, so readers and the daemon can check a table's schema
 * without opening it.
 *
 * @param name column name, 1..128 characters from {@code [A-Za-z0-9_]}, not starting with a digit
 * @param type a type string of {@link ArrowTypes}'s grammar
 */
public record ColumnSpec(String name, String type) {

    /** A 64-dimensional float32 vector ({@code fixed_size_list<float32, 64>}). */
    public static final String VECTOR64 = "vector64";
    /** Dimension of {@link #VECTOR64}. */
    public static final int VECTOR64_DIM = 64;

    /** The types of protocol v1's first graphs; every type of {@link ArrowTypes}'s grammar is accepted. */
    public static final Set<String> TYPES = Set.of("utf8", "int64", VECTOR64);

    /** @throws IllegalArgumentException naming the column if the name or the type string is bad */
    public ColumnSpec {
        checkName(name);
        if (type == null || !VALID_TYPES.contains(type)) { // every manifest read parses its columns: each type string once per process
            try {
                ArrowTypes.field(name, type);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("column '" + name + "': " + e.getMessage(), e);
            }
            if (VALID_TYPES.size() < 10_000) {
                VALID_TYPES.add(type);
            }
        }
    }

    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

    /** Type strings already parsed successfully (the grammar does not depend on the column name). */
    private static final Set<String> VALID_TYPES = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** The column of an Arrow field. @throws IllegalArgumentException for a bad name or an unsupported type */
    public static ColumnSpec of(org.apache.arrow.vector.types.pojo.Field field) {
        return new ColumnSpec(field.getName(), ArrowTypes.type(field));
    }

    /** This column as an Arrow field. */
    public org.apache.arrow.vector.types.pojo.Field field() {
        return ArrowTypes.field(name, type);
    }

    /** @throws IllegalArgumentException unless {@code name} is a valid column or struct field name */
    static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("column name must match [A-Za-z_][A-Za-z0-9_]{0,127}, got '" + name + "'");
        }
    }
}
