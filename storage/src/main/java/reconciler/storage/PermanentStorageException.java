package reconciler.storage;

/**
 * A storage error that retrying will not fix: access denied (403), a bad request (400), a missing
 * bucket, a redirect to another region, or any other non-retryable response. Never retried.
 */
public class PermanentStorageException extends StorageException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, naming the operation, bucket and key
     * @param cause the underlying error
     */
    public PermanentStorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
