package reconciler.manifest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * One declared index of a table: part of the graph's <em>catalog</em>, versioned with the manifest
 * (docs/indexes.md). The catalog is desired state; the indexer converges Lance towards it.
 *
 * <p>The manifest only checks the shape (names, a non-empty column list, an upper-case type name);
 * which types and parameters are supported is the indexer's business ({@code reconciler.indexer.IndexSpecs}).
 *
 * @param name index name, unique per table, {@code [A-Za-z][A-Za-z0-9_]{0,63}}
 * @param columns indexed columns (one for every type supported today)
 * @param type Lance index type: {@code BTREE}, {@code BITMAP}, {@code INVERTED}, {@code IVF_PQ}, {@code IVF_HNSW_SQ}
 * @param params parameters that define the index (distance type, partitions, tokenizer, ...): an index
 *     built with other values is <em>drifted</em> and rebuilt. Omitted from JSON when empty
 * @param options build knobs that do not change what the index is (training iterations, sample rate):
 *     changing them never triggers a rebuild. Omitted from JSON when empty
 * @param declaredAt the table's pinned Lance version when this definition was published; index
 *     segments built on an older table version were built for an older definition
 */
public record IndexSpec(String name, List<String> columns, String type,
                        @JsonSetter(nulls = Nulls.AS_EMPTY) @JsonInclude(JsonInclude.Include.NON_EMPTY) SortedMap<String, String> params,
                        @JsonSetter(nulls = Nulls.AS_EMPTY) @JsonInclude(JsonInclude.Include.NON_EMPTY) SortedMap<String, String> options,
                        long declaredAt) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,63}");
    private static final Pattern COLUMN = Pattern.compile("[a-z][a-z0-9_]{0,127}");
    private static final Pattern TYPE = Pattern.compile("[A-Z][A-Z0-9_]{0,31}");

    public IndexSpec {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("index name must match " + NAME.pattern() + ", got '" + name + "'");
        }
        if (columns == null || columns.isEmpty()) {
            throw new IllegalArgumentException("index " + name + ": columns must not be empty");
        }
        for (String c : columns) {
            if (c == null || !COLUMN.matcher(c).matches()) {
                throw new IllegalArgumentException("index " + name + ": bad column name '" + c + "'");
            }
        }
        if (type == null || !TYPE.matcher(type).matches()) {
            throw new IllegalArgumentException("index " + name + ": type must be an upper-case Lance index type, got '" + type + "'");
        }
        if (declaredAt < 0) {
            throw new IllegalArgumentException("index " + name + ": declaredAt must be >= 0");
        }
        columns = List.copyOf(columns);
        params = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(params == null ? Map.of() : params));
        options = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(options == null ? Map.of() : options));
    }

    /** This definition re-declared at table version {@code version}. */
    public IndexSpec declaredAt(long version) {
        return new IndexSpec(name, columns, type, params, options, version);
    }

    /** Whether {@code o} defines the same index (name, columns, type, params); options and declaredAt are ignored. */
    public boolean sameDefinition(IndexSpec o) {
        return o != null && name.equals(o.name) && columns.equals(o.columns) && type.equals(o.type) && params.equals(o.params);
    }
}
