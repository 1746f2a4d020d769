package reconciler.indexer;

/**
 * The result of a catalog change ({@code graph index add|drop}).
 *
 * @param status {@code PUBLISHED} (catalog changed), {@code UNCHANGED} (already so), {@code REFUSED}
 *     (a pending or corrupt sidecar covers the table), {@code BUSY} (lease not obtained in time),
 *     {@code FAILED}
 * @param manifestVersion the manifest version of the catalog publish, 0 if none
 * @param message one line
 * @param lanceDrop for a drop: what happened to the Lance index ({@code COMMITTED}, {@code SKIPPED}
 *     when there was none, ...), else null
 */
public record CatalogResult(String status, long manifestVersion, String message, String lanceDrop) {
}
