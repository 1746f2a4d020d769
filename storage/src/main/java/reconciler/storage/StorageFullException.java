package reconciler.storage;

/**
 * A write failed because the file system (or object store) holding the graph root is full:
 * {@code ENOSPC} or {@code EDQUOT} locally. Nothing of the object was written (a local temp file
 * is removed before this is thrown), so the caller may retry once space is freed. The message
 * names the path.
 */
public class StorageFullException extends StorageException {

    private static final long serialVersionUID = 1L;

    private final String path;

    /**
     * @param message what failed, naming the path and saying the disk is full
     * @param path the file or key that could not be written
     * @param cause the underlying error
     */
    public StorageFullException(String message, String path, Throwable cause) {
        super(message, cause);
        this.path = path;
    }

    /** The file or key that could not be written. */
    public String path() {
        return path;
    }
}
