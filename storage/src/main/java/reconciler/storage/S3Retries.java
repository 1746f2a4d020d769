package reconciler.storage;

import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.retries.StandardRetryStrategy;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;

/**
 * Which S3 failures {@link S3GraphStore} retries, and how (its class comment, "Retries"): throttling
 * and transient server errors and connection-level failures, never 412 or 409; exponential backoff
 * with full jitter, longer for throttling; no circuit breaker.
 */
final class S3Retries {

    private S3Retries() {
    }

    /** Error codes that mean "throttled, slow down". */
    private static final Set<String> THROTTLING_CODES = Set.of(
            "SlowDown", "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled",
            "RequestThrottledException", "TooManyRequestsException", "RequestLimitExceeded",
            "ProvisionedThroughputExceededException", "BandwidthLimitExceeded", "EC2ThrottledException");
    /** Other error codes worth retrying regardless of status. */
    private static final Set<String> TRANSIENT_CODES = Set.of(
            "RequestTimeout", "RequestTimeoutException", "InternalError", "ServiceUnavailable", "PriorRequestNotComplete");

    /** The SDK retry strategy described in {@link S3GraphStore}'s class comment. */
    static RetryStrategy strategy(S3Settings st) {
        Duration throttleBase = st.baseBackoff().multipliedBy(4);
        if (throttleBase.compareTo(st.maxBackoff()) > 0) {
            throttleBase = st.maxBackoff();
        }
        return StandardRetryStrategy.builder()
                .maxAttempts(st.maxAttempts())
                .retryOnException(S3Retries::isRetryable)
                .treatAsThrottling(S3Retries::isThrottling)
                .backoffStrategy(BackoffStrategy.exponentialDelay(st.baseBackoff(), st.maxBackoff()))
                .throttlingBackoffStrategy(BackoffStrategy.exponentialDelay(throttleBase, st.maxBackoff()))
                .circuitBreakerEnabled(false)
                .build();
    }

    /**
     * Whether an SDK failure is worth another attempt: throttling, 5xx other than 501, 400
     * RequestTimeout, or a connection-level {@link IOException}. Never 412 or 409.
     */
    static boolean isRetryable(Throwable t) {
        if (t instanceof SdkServiceException e) {
            int status = e.statusCode();
            if (status == 412 || status == 409) {
                return false;
            }
            String code = errorCode(e);
            if (code != null && (THROTTLING_CODES.contains(code) || TRANSIENT_CODES.contains(code))) {
                return true;
            }
            return status == 429 || (status >= 500 && status != 501);
        }
        if (t instanceof AbortedException) {
            return false;
        }
        if (t instanceof SdkClientException) {
            return hasCause(t, IOException.class);
        }
        return t instanceof IOException;
    }

    /** Whether a failure is a throttling response (uses the longer throttling backoff). */
    static boolean isThrottling(Throwable t) {
        if (t instanceof SdkServiceException e) {
            String code = errorCode(e);
            return e.statusCode() == 429 || e.statusCode() == 503 || (code != null && THROTTLING_CODES.contains(code));
        }
        return false;
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t.getCause(); c != null && c != t; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return false;
    }

    /** The AWS error code of a service failure, or null. */
    static String errorCode(SdkServiceException e) {
        if (e instanceof AwsServiceException a) {
            AwsErrorDetails d = a.awsErrorDetails();
            return d == null ? null : d.errorCode();
        }
        return null;
    }
}
