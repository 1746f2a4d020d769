package reconciler.manifest;

/**
 * One table's change in a publish.
 *
 * @param tableKey the table
 * @param expectedVersion the pin the publisher started from; the publish fails with
 *     {@link ManifestConflictException} if the latest manifest pins anything else
 * @param newVersion the Lance version to pin
 * @param fencingToken the publisher's fencing token for this table's lease
 */
public record PinUpdate(String tableKey, long expectedVersion, long newVersion, long fencingToken) {
}
