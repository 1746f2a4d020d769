package reconciler.manifest;

import java.util.List;

/**
 * One table's change in a publish.
 *
 * @param tableKey the table
 * @param expectedVersion the pin the publisher started from; the publish fails with
 *     {@link ManifestConflictException} if the latest manifest pins anything else
 * @param newVersion the Lance version to pin
 * @param fencingToken the publisher's fencing token for this table's lease
 * @param indexes the table's new catalog (declared indexes), or null to keep the latest manifest's
 * @param expectedIndexes if not null, the catalog the publisher read; the publish fails with
 *     {@link ManifestConflictException} if the latest manifest declares anything else (a catalog
 *     compare-and-swap, so two catalog edits never lose one another on rebase)
 */
public record PinUpdate(String tableKey, long expectedVersion, long newVersion, long fencingToken,
                        List<IndexSpec> indexes, List<IndexSpec> expectedIndexes) {

    public PinUpdate {
        indexes = indexes == null ? null : List.copyOf(indexes);
        expectedIndexes = expectedIndexes == null ? null : List.copyOf(expectedIndexes);
    }

    /** A pin move that keeps the catalog. */
    public PinUpdate(String tableKey, long expectedVersion, long newVersion, long fencingToken) {
        this(tableKey, expectedVersion, newVersion, fencingToken, null, null);
    }
}
