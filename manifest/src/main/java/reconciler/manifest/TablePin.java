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
 * @param lanceBranch the Lance branch of the table's dataset the pinned version lives on, or null for
 *     Lance's main branch (omitted from JSON; format 3, docs/protocol.md "Branches"): a graph branch's
 *     manifest pins a table on the branch's own Lance branch once the table was forked (first touch),
 *     and at the fork point (the parent's location) before that
 */
public record TablePin(long version, long fencingToken, List<ColumnSpec> columns,
                       @JsonSetter(nulls = Nulls.AS_EMPTY) @JsonInclude(JsonInclude.Include.NON_EMPTY) List<IndexSpec> indexes,
                       @JsonSetter(nulls = Nulls.AS_EMPTY) @JsonInclude(JsonInclude.Include.NON_EMPTY) String lanceBranch) {
    public TablePin {
        lanceBranch = lanceBranch == null || lanceBranch.isEmpty() ? null : lanceBranch;
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

    /** A pin on Lance's main branch. */
    public TablePin(long version, long fencingToken, List<ColumnSpec> columns, List<IndexSpec> indexes) {
        this(version, fencingToken, columns, indexes, null);
    }

    /** This pin moved to {@code newVersion}, published with {@code token}; the catalog and Lance branch are kept. */
    public TablePin moved(long newVersion, long token) {
        return new TablePin(newVersion, Math.max(token, fencingToken), columns, indexes, lanceBranch);
    }

    /** This pin with its declared indexes replaced. */
    public TablePin withIndexes(List<IndexSpec> newIndexes) {
        return new TablePin(version, fencingToken, columns, newIndexes, lanceBranch);
    }

    /** This pin on another Lance branch (null: Lance's main branch), at the same version. */
    public TablePin onLanceBranch(String branch) {
        return new TablePin(version, fencingToken, columns, indexes, branch);
    }

    /** The declared index of that name, or null. */
    public IndexSpec index(String name) {
        return indexes.stream().filter(i -> i.name().equals(name)).findFirst().orElse(null);
    }
}
