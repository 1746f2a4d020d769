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
public record CatalogResult(Status status, long manifestVersion, String message, CommitStatus lanceDrop) {

    /** How a catalog change ended (serialised by name). */
    public enum Status {
        /** The catalog changed: a manifest version was published. */
        PUBLISHED,
        /** The catalog already was as requested. */
        UNCHANGED,
        /** A pending or corrupt sidecar covers the table. */
        REFUSED,
        /** The table's lease was not obtained in time. */
        BUSY,
        /** A step failed. */
        FAILED
    }
}
