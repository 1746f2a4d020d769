package reconciler.storage;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The only path through which protocol state (manifests, sidecars, audit records) is read and
 * written. Keys are '/'-separated relative paths such as {@code _manifest/00000000000000000007.json}.
 *
 * <p>Every implementation guarantees, per key:
 * <ul>
 *   <li>{@link #createIfAbsent} is atomic: readers never see a partial object, and of any number
 *       of concurrent creators of one key exactly one returns {@code true};</li>
 *   <li>{@link #replace} is an atomic whole-object replace (a reader sees the old or the new bytes);</li>
 *   <li>{@link #delete} is idempotent;</li>
 *   <li>{@link #list} never returns temporary or hidden objects.</li>
 * </ul>
 * Lance table data is not protocol state: Lance reaches it through {@link #tableUri} and
 * {@link #storageOptions}.
 */
public interface GraphStore extends AutoCloseable {

    /** A human-readable location of the graph root (a directory path or an object-store URI). */
    String root();

    /**
     * Reads a whole object.
     *
     * @return the bytes, or empty when the key does not exist (only "not found" means absent)
     * @throws IOException on any other storage error
     */
    Optional<byte[]> read(String key) throws IOException;

    /**
     * Creates the object only if the key does not exist (compare-and-swap on absence).
     *
     * @return {@code true} if this call created it, {@code false} if the key already existed
     * @throws IOException on a storage error (the key is then either absent or fully written)
     */
    boolean createIfAbsent(String key, byte[] data) throws IOException;

    /** Atomically creates or replaces the whole object. @throws IOException on a storage error */
    void replace(String key, byte[] data) throws IOException;

    /**
     * Deletes the object; deleting an absent key is not an error.
     *
     * @return {@code true} if the object existed
     * @throws IOException on a storage error
     */
    boolean delete(String key) throws IOException;

    /**
     * Lists the names (not full keys) of the objects directly under {@code prefix} (a "directory"
     * key such as {@code _recovery}), sorted lexicographically. Temporary objects are never listed.
     *
     * @return the names, empty if the prefix does not exist
     * @throws IOException on a storage error (never swallowed: a failed listing is not "empty")
     */
    List<String> list(String prefix) throws IOException;

    /**
     * Like {@link #list}, but only the names that sort strictly after {@code startAfter} (a name, not
     * a key): what a reader needs to find objects newer than one it knows without reading the whole
     * directory. Backends that can ask the server for it do (S3 {@code StartAfter}: one request for
     * the tail of a long listing); the default filters {@link #list}.
     *
     * @param startAfter a name under {@code prefix}; names {@code <=} it are left out
     * @return the names after {@code startAfter}, sorted lexicographically; empty if there are none
     * @throws IOException on a storage error (never swallowed: a failed listing is not "empty")
     */
    default List<String> listAfter(String prefix, String startAfter) throws IOException {
        return list(prefix).stream().filter(n -> n.compareTo(startAfter) > 0).toList();
    }

    /**
     * The first {@code limit} names under {@code prefix} in lexicographic order: what a reader needs
     * when the newest object sorts first (Lance's V2 version names, {@code u64::MAX - version}).
     * Backends that can ask the server for it do (S3 {@code MaxKeys}: one request however long the
     * listing); the default cuts {@link #list}.
     *
     * @param limit how many names at most (positive)
     * @return up to {@code limit} names, sorted lexicographically; empty if the prefix does not exist
     * @throws IOException on a storage error (never swallowed: a failed listing is not "empty")
     */
    default List<String> listFirst(String prefix, int limit) throws IOException {
        List<String> all = list(prefix);
        return all.size() <= limit ? all : List.copyOf(all.subList(0, limit));
    }

    /** The Lance dataset URI of a table. */
    String tableUri(TableKey table);

    /**
     * The key prefix of a table's dataset under this root ({@code tables/<segment>}; on a Lance
     * branch {@code tables/<segment>/tree/<branch>}): where its {@code _versions/} are listed.
     */
    default String tableDir(TableKey table) {
        return "tables/" + table.pathSegment();
    }

    /** Storage options passed to Lance for this root (empty for local directories). */
    Map<String, String> storageOptions();

    /** Releases clients and connections (nothing for local directories). Never throws. */
    @Override
    default void close() {
    }
}
