package reconciler.storage;

import java.io.IOException;

/**
 * A storage operation failed. Messages name the operation, the bucket (or root) and the key, and
 * never contain credentials.
 *
 * <p>Subclasses tell callers whether trying again later may help:
 * <ul>
 *   <li>{@link TransientStorageException}: the store was unavailable or throttling and the
 *       bounded retries were exhausted (a later attempt may succeed);</li>
 *   <li>{@link PermanentStorageException}: the request was refused (403, 400, missing bucket,
 *       other non-retryable errors); repeating it unchanged will not help.</li>
 * </ul>
 * This class itself is thrown for store-level verdicts that are neither, such as
 * {@link S3GraphStore#probeCreateOnly} refusing a store that does not honour create-only writes.
 */
public class StorageException extends IOException {

    private static final long serialVersionUID = 1L;

    /** @param message what failed, naming the operation, bucket/root and key */
    public StorageException(String message) {
        super(message);
    }

    /**
     * @param message what failed, naming the operation, bucket/root and key
     * @param cause the underlying error (for AWS SDK errors, the last attempt's exception)
     */
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
