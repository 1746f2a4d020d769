package reconciler.manifest;

/** A publish lost to another publish that changed the pin of one of its own tables. */
public class ManifestConflictException extends Exception {
    private final String tableKey;
    private final long expectedVersion;
    private final long foundVersion;

    public ManifestConflictException(String graphId, String tableKey, long expectedVersion, long foundVersion, long manifestVersion) {
        super("manifest conflict in graph " + graphId + ": table " + tableKey + " is pinned at " + foundVersion
                + " in manifest v" + manifestVersion + ", expected " + expectedVersion);
        this.tableKey = tableKey;
        this.expectedVersion = expectedVersion;
        this.foundVersion = foundVersion;
    }

    /** The table's catalog (declared indexes) changed since the publisher read it. */
    public ManifestConflictException(String graphId, String tableKey, long pinnedVersion, long manifestVersion, String what) {
        super("manifest conflict in graph " + graphId + ": the catalog of table " + tableKey + " changed in manifest v" + manifestVersion
                + " (" + what + ")");
        this.tableKey = tableKey;
        this.expectedVersion = pinnedVersion;
        this.foundVersion = pinnedVersion;
    }

    private ManifestConflictException(String message, String tableKey, long version) {
        super(message);
        this.tableKey = tableKey;
        this.expectedVersion = version;
        this.foundVersion = version;
    }

    /** The set of tables differs from what a create or drop expected ({@code what}: "exists already", "no such table"). */
    public static ManifestConflictException tableSet(String graphId, String tableKey, long manifestVersion, String what) {
        return new ManifestConflictException("manifest conflict in graph " + graphId + ": table " + tableKey + " " + what
                + " in manifest v" + manifestVersion, tableKey, 0);
    }

    /** A branch-list change refused: branch {@code name} {@code what} (e.g. "exists already") in main's manifest. */
    public static ManifestConflictException branch(String graphId, String name, long manifestVersion, String what) {
        return new ManifestConflictException("manifest conflict in graph " + graphId + ": branch " + name + " " + what
                + " in manifest v" + manifestVersion, null, 0);
    }

    public String tableKey() { return tableKey; }
    public long expectedVersion() { return expectedVersion; }
    public long foundVersion() { return foundVersion; }
}
