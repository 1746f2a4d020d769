package reconciler.indexer;

/**
 * How one maintenance commit on a table ended (an index build's commit, a compaction's, a Lance
 * index drop). Serialised by name in JSON reports and CLI output (docs/indexes.md).
 */
public enum CommitStatus {
    /** Committed and published. */
    COMMITTED,
    /** Nothing written: the precheck, a pending sidecar or drift said no. */
    SKIPPED,
    /** The table's lease was held by someone else for longer than the lease timeout. */
    BUSY,
    /** A step failed before anything landed; nothing is left behind. */
    FAILED,
    /** Something landed but was not published: the sidecar stays for the reconciler. */
    RECOVERY_REQUIRED
}
