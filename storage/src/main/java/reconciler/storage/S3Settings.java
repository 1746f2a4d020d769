package reconciler.storage;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * How to reach an S3-compatible object store. Never contains the location (see
 * {@link S3Location}); one settings object may serve several graph roots.
 *
 * <p>{@link #toString()} never prints the secret key (nor the access key id).
 *
 * @param endpoint the endpoint URI ({@code http://host:port} or {@code https://host:port}), or
 *     {@code null} for AWS's regional endpoint. An {@code http} endpoint implies
 *     {@link #allowHttp()}.
 * @param region the signing region, e.g. {@code us-east-1} (local servers accept any)
 * @param pathStyle {@code true} for path-style requests ({@code http://host/bucket/key}), as local
 *     and most S3-compatible servers need; {@code false} for virtual-hosted style
 * @param accessKeyId static access key id, or {@code null} (together with {@code secretAccessKey})
 *     to use the AWS SDK default credentials provider chain (environment, profile, web identity,
 *     container/instance metadata)
 * @param secretAccessKey static secret key, or {@code null} with {@code accessKeyId}
 * @param maxAttempts total attempts per request including the first, {@code >= 1} (default
 *     {@value #DEFAULT_MAX_ATTEMPTS}); only retryable errors are retried (see {@link S3GraphStore})
 * @param baseBackoff base delay of the exponential backoff with full jitter (default 100 ms);
 *     throttling responses (503 SlowDown, 429) use four times this base
 * @param maxBackoff cap of a single backoff delay (default 20 s)
 */
public record S3Settings(URI endpoint, String region, boolean pathStyle, String accessKeyId, String secretAccessKey,
                         int maxAttempts, Duration baseBackoff, Duration maxBackoff) {

    /** Default total attempts per request (first try plus 5 retries). */
    public static final int DEFAULT_MAX_ATTEMPTS = 6;
    /** Default base backoff delay. */
    public static final Duration DEFAULT_BASE_BACKOFF = Duration.ofMillis(100);
    /** Default cap of one backoff delay. */
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(20);

    /** @throws IllegalArgumentException on an invalid combination, naming the field (never a secret) */
    public S3Settings {
        if (endpoint != null) {
            String scheme = endpoint.getScheme();
            if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme) || endpoint.getHost() == null) {
                throw new IllegalArgumentException("S3 endpoint must be http://host[:port] or https://host[:port], got '" + endpoint + "'");
            }
        }
        if (region == null || region.isBlank()) {
            throw new IllegalArgumentException("S3 region is required (local servers accept any, e.g. us-east-1)");
        }
        if ((accessKeyId == null) != (secretAccessKey == null)) {
            throw new IllegalArgumentException("S3 access key id and secret key must both be set or both be null");
        }
        if (accessKeyId != null && (accessKeyId.isBlank() || secretAccessKey.isBlank())) {
            throw new IllegalArgumentException("S3 access key id and secret key must not be blank");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("S3 maxAttempts must be >= 1, got " + maxAttempts);
        }
        Objects.requireNonNull(baseBackoff, "baseBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (baseBackoff.isNegative() || baseBackoff.isZero() || maxBackoff.compareTo(baseBackoff) < 0) {
            throw new IllegalArgumentException("S3 backoff must satisfy 0 < base <= max, got base=" + baseBackoff + " max=" + maxBackoff);
        }
    }

    /**
     * Settings for an explicit endpoint (a local or S3-compatible server, or an AWS endpoint) with
     * static credentials, path-style requests and default retries.
     */
    public static S3Settings forEndpoint(URI endpoint, String region, String accessKeyId, String secretAccessKey) {
        return new S3Settings(Objects.requireNonNull(endpoint, "endpoint"), region, true, accessKeyId, secretAccessKey,
                DEFAULT_MAX_ATTEMPTS, DEFAULT_BASE_BACKOFF, DEFAULT_MAX_BACKOFF);
    }

    /**
     * Settings for AWS S3 in {@code region}: regional endpoint, virtual-hosted style, credentials
     * from the SDK default provider chain, default retries.
     */
    public static S3Settings aws(String region) {
        return new S3Settings(null, region, false, null, null, DEFAULT_MAX_ATTEMPTS, DEFAULT_BASE_BACKOFF, DEFAULT_MAX_BACKOFF);
    }

    /** A copy with another attempt budget ({@code >= 1}). */
    public S3Settings withMaxAttempts(int attempts) {
        return new S3Settings(endpoint, region, pathStyle, accessKeyId, secretAccessKey, attempts, baseBackoff, maxBackoff);
    }

    /** A copy with another backoff (base delay and cap; {@code 0 < base <= max}). */
    public S3Settings withBackoff(Duration base, Duration max) {
        return new S3Settings(endpoint, region, pathStyle, accessKeyId, secretAccessKey, maxAttempts, base, max);
    }

    /** A copy with other static credentials ({@code null, null} for the default provider chain). */
    public S3Settings withCredentials(String accessKey, String secretKey) {
        return new S3Settings(endpoint, region, pathStyle, accessKey, secretKey, maxAttempts, baseBackoff, maxBackoff);
    }

    /** Whether plain HTTP is allowed: true exactly when the endpoint's scheme is {@code http}. */
    public boolean allowHttp() {
        return endpoint != null && "http".equalsIgnoreCase(endpoint.getScheme());
    }

    /** Whether static credentials are configured (otherwise the SDK default chain is used). */
    public boolean hasStaticCredentials() {
        return accessKeyId != null;
    }

    /** Describes the settings without any credential material. */
    @Override
    public String toString() {
        return "S3Settings[endpoint=" + (endpoint == null ? "aws" : endpoint) + ", region=" + region
                + ", pathStyle=" + pathStyle + ", credentials=" + (hasStaticCredentials() ? "static(redacted)" : "default-chain")
                + ", maxAttempts=" + maxAttempts + ", backoff=" + baseBackoff.toMillis() + ".." + maxBackoff.toMillis() + "ms]";
    }
}
