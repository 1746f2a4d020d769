package reconciler.storage;

/**
 * A retryable storage error (throttling such as 503 SlowDown, other 5xx, connection failures)
 * that persisted through every allowed attempt: the operation did not complete, and calling it
 * again later may succeed. For {@link GraphStore#createIfAbsent} the key is then either absent or
 * fully written (possibly by this call: re-read it before concluding anything).
 */
public class TransientStorageException extends StorageException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, naming the operation, bucket and key, and the attempt count
     * @param cause the last attempt's error
     */
    public TransientStorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
