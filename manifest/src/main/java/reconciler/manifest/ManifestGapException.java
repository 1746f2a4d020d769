package reconciler.manifest;

/**
 * The manifest versions of a graph root are not dense: a version is missing although a later one
 * exists (an operator deleted it, a backup was restored partially, or a store served a stale
 * listing). Versions are dense by construction (docs/protocol.md, "Manifest"), so a gap means the
 * graph's history is damaged; reading past it could take a stale version for the latest and a
 * publish into it could hide an acknowledged write. Nothing is read or published across a gap
 * until an operator restores the missing version (docs/protocol.md, "Faults").
 */
public final class ManifestGapException extends ManifestCorruptException {

    private static final long serialVersionUID = 1L;

    private final long missing;
    private final long present;

    /**
     * @param root the graph root
     * @param missing the lowest missing version
     * @param present a later version that exists
     */
    public ManifestGapException(String root, long missing, long present) {
        super("manifest versions of graph root " + root + " have a gap: " + ManifestStore.key(missing) + " is missing but "
                + ManifestStore.key(present) + " exists; refusing to read or publish across it (restore the missing version,"
                + " see docs/protocol.md \"Faults\")", null);
        this.missing = missing;
        this.present = present;
    }

    /** The lowest missing version. */
    public long missing() {
        return missing;
    }

    /** A later version that exists. */
    public long present() {
        return present;
    }
}
