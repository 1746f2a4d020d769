package reconciler.manifest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import reconciler.storage.ColumnSpec;

/**
 * A manifest's entry for one table.
 *
 * @param version the pinned Lance version: readers see the table as of this version
 * @param fencingToken the highest fencing token that published this table (0 before any lease);
 *     a publish carrying a lower token is refused ({@link FencedOffException})
 * @param columns the table's declared schema
 * @param indexes the table's declared indexes (the catalog, docs/indexes.md); omitted from JSON when
 *     empty, so manifests of graphs without a catalog are unchanged
 */
public record TablePin(long version, long fencingToken, List<ColumnSpec> columns,
                       @JsonSetter(nulls = Nulls.AS_EMPTY) @JsonInclude(JsonInclude.Include.NON_EMPTY) List<IndexSpec> indexes) {
    public TablePin {
        columns = List.copyOf(columns);
        indexes = indexes == null ? List.of() : List.copyOf(indexes);
        if (version < 1) {
            throw new IllegalArgumentException("pinned version must be >= 1, got " + version);
        }
        Set<String> names = new HashSet<>();
        for (IndexSpec i : indexes) {
            if (!names.add(i.name())) {
                throw new IllegalArgumentException("index " + i.name() + " declared twice");
            }
            for (String c : i.columns()) {
                if (columns.stream().noneMatch(col -> col.name().equals(c))) {
                    throw new IllegalArgumentException("index " + i.name() + " names column '" + c + "', which the table does not declare");
                }
            }
        }
    }

    /** A pin without declared indexes. */
    public TablePin(long version, long fencingToken, List<ColumnSpec> columns) {
        this(version, fencingToken, columns, List.of());
    }

    /** This pin moved to {@code newVersion}, published with {@code token}; the catalog is kept. */
    public TablePin moved(long newVersion, long token) {
        return new TablePin(newVersion, Math.max(token, fencingToken), columns, indexes);
    }

    /** This pin with its declared indexes replaced. */
    public TablePin withIndexes(List<IndexSpec> newIndexes) {
        return new TablePin(version, fencingToken, columns, newIndexes);
    }

    /** The declared index of that name, or null. */
    public IndexSpec index(String name) {
        return indexes.stream().filter(i -> i.name().equals(name)).findFirst().orElse(null);
    }
}
