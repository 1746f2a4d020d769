package reconciler.manifest;

import java.util.List;
import reconciler.storage.ColumnSpec;

/**
 * A manifest's entry for one table.
 *
 * @param version the pinned Lance version: readers see the table as of this version
 * @param fencingToken the highest fencing token that published this table (0 before any lease);
 *     a publish carrying a lower token is refused ({@link FencedOffException})
 * @param columns the table's declared schema
 */
public record TablePin(long version, long fencingToken, List<ColumnSpec> columns) {
    public TablePin {
        columns = List.copyOf(columns);
        if (version < 1) {
            throw new IllegalArgumentException("pinned version must be >= 1, got " + version);
        }
    }

    /** This pin moved to {@code newVersion}, published with {@code token}. */
    public TablePin moved(long newVersion, long token) {
        return new TablePin(newVersion, Math.max(token, fencingToken), columns);
    }
}
