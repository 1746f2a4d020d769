package reconciler.storage;

import java.util.regex.Pattern;

/**
 * A table key such as {@code node:Package} or {@code edge:DependsOn}: a kind ({@code node} or
 * {@code edge}) and a type name of 1..128 characters from {@code [A-Za-z0-9_]}, starting with a
 * letter. The key maps one-to-one onto the path segment {@code <kind>-<Name>.lance}.
 *
 * @param kind {@code node} or {@code edge}
 * @param name the node or edge type name
 */
public record TableKey(String kind, String name) implements Comparable<TableKey> {

    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,127}");

    public TableKey {
        if (!"node".equals(kind) && !"edge".equals(kind)) {
            throw new IllegalArgumentException("table kind must be 'node' or 'edge', got '" + kind + "'");
        }
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("table name must match [A-Za-z][A-Za-z0-9_]{0,127}, got '" + name + "'");
        }
    }

    /**
     * Parses {@code kind:Name}.
     *
     * @throws IllegalArgumentException naming the bad key
     */
    public static TableKey parse(String key) {
        int colon = key == null ? -1 : key.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("table key must look like 'node:Name' or 'edge:Name', got '" + key + "'");
        }
        try {
            return new TableKey(key.substring(0, colon), key.substring(colon + 1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad table key '" + key + "': " + e.getMessage(), e);
        }
    }

    /** The path segment of the table's dataset directory, e.g. {@code node-Package.lance}. */
    public String pathSegment() {
        return kind + "-" + name + ".lance";
    }

    @Override
    public String toString() {
        return kind + ":" + name;
    }

    @Override
    public int compareTo(TableKey o) {
        return toString().compareTo(o.toString());
    }
}
