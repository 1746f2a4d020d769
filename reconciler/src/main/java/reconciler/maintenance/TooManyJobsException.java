package reconciler.maintenance;

/** The graph's maintenance queue is full. HTTP: 429 with error type {@code TooManyJobs}. */
public final class TooManyJobsException extends Exception {
    public TooManyJobsException(String message) {
        super(message);
    }
}
