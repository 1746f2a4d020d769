package reconciler.storage;

import java.util.Map;

/**
 * What Lance recorded about the transaction that produced one table version.
 *
 * @param version the table version the transaction produced
 * @param operation Lance operation name ("Append", "Restore", "Overwrite", ...), or
 *     {@code "<unreadable>"} when Lance could not decode the transaction
 * @param readVersion the version the transaction was read at (0 if unknown)
 * @param properties transaction properties attached by the committer (empty if none)
 */
public record CommitInfo(long version, String operation, long readVersion, Map<String, String> properties) {

    /** The operation name used when Lance fails to decode a transaction. */
    public static final String UNREADABLE = "<unreadable>";

    /** The protocol's label on this commit (its parts absent when committed outside the protocol). */
    public CommitLabel label() {
        return CommitLabel.of(this);
    }

    /** A property value, or {@code null}. */
    public String property(String key) {
        return properties.get(key);
    }
}
