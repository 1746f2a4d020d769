package reconciler.sidecar;

import java.time.Instant;
import java.util.List;

/**
 * A recovery sidecar (protocol v1, docs/protocol.md): written atomically to
 * {@code _recovery/<operationId>.json} before a writer's first Lance commit and deleted after its
 * manifest publish. It names everything the daemon needs to roll the operation forward or back.
 *
 * @param formatVersion sidecar format, {@value #FORMAT_VERSION}; other values are refused
 * @param operationId the operation's ULID (26 Crockford base-32 characters), equal to the file name
 * @param writerKind what kind of writer made it (e.g. {@code import}, {@code write}); informational
 * @param graphId the graph the operation writes
 * @param branch the table branch the commits land on ({@code main} in v1)
 * @param baseManifestVersion the manifest version the writer read its pins from
 * @param writer who wrote it
 * @param createdAt when the sidecar was written
 * @param tables per touched table: its key, expected (pinned) version and fencing token; non-empty
 */
public record Sidecar(int formatVersion, String operationId, String writerKind, String graphId, String branch,
                      long baseManifestVersion, WriterIdentity writer, Instant createdAt, List<SidecarTable> tables) {

    /** The only sidecar format this reconciler writes and reads. */
    public static final int FORMAT_VERSION = 1;

    public Sidecar {
        tables = List.copyOf(tables);
    }

    /** Table keys, in sidecar order. */
    public List<String> tableKeys() {
        return tables.stream().map(SidecarTable::tableKey).toList();
    }

    /**
     * One touched table.
     *
     * @param tableKey e.g. {@code node:Package}
     * @param expectedVersion the manifest pin when the writer started; its commit lands at expectedVersion + 1
     * @param fencingToken the token of the writer's lease on this table
     */
    public record SidecarTable(String tableKey, long expectedVersion, long fencingToken) {
    }

    /**
     * The writer process.
     *
     * @param host host name
     * @param pid process id
     */
    public record WriterIdentity(String host, long pid) {
    }
}
