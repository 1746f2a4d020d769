package reconciler.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** {@link S3Location} parsing, {@link S3Settings} validation, and the retry classification. */
class S3SettingsTest {

    @Test
    void locationParsing() {
        assertEquals(new S3Location("b", ""), S3Location.parse("s3://b"));
        assertEquals(new S3Location("b", ""), S3Location.parse("s3://b/"));
        assertEquals(new S3Location("b", "x/y"), S3Location.parse("s3://b/x/y/"));
        assertEquals("s3://b/x/y", S3Location.parse("s3://b/x/y").toString());
        assertEquals("x/y/_manifest/1.json", S3Location.parse("s3://b/x/y").objectKey("_manifest/1.json"));
        assertEquals("_manifest/1.json", S3Location.parse("s3://b").objectKey("_manifest/1.json"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> S3Location.parse("s3://b/a//c"));
        assertTrue(e.getMessage().contains("'s3://b/a//c'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> S3Location.parse("file:///x"));
        assertThrows(IllegalArgumentException.class, () -> S3Location.parse("s3:///x"));
    }

    @Test
    void settingsValidationAndDerivedValues() {
        S3Settings s = S3Settings.forEndpoint(URI.create("http://127.0.0.1:9000"), "eu-west-1", "AKIAEXAMPLE", "s3cr3t");
        assertTrue(s.allowHttp());
        assertTrue(s.pathStyle());
        assertEquals(S3Settings.DEFAULT_MAX_ATTEMPTS, s.maxAttempts());
        assertFalse(S3Settings.forEndpoint(URI.create("https://s3.example.com"), "r", "a", "b").allowHttp());
        S3Settings aws = S3Settings.aws("us-west-2");
        assertFalse(aws.allowHttp());
        assertFalse(aws.hasStaticCredentials());
        assertFalse(aws.pathStyle());

        assertFalse(s.toString().contains("s3cr3t"), s.toString());
        assertFalse(s.toString().contains("AKIAEXAMPLE"), s.toString());

        assertThrows(IllegalArgumentException.class, () -> S3Settings.forEndpoint(URI.create("ftp://h"), "r", "a", "b"));
        assertThrows(IllegalArgumentException.class, () -> S3Settings.forEndpoint(URI.create("http://h"), " ", "a", "b"));
        assertThrows(IllegalArgumentException.class, () -> S3Settings.forEndpoint(URI.create("http://h"), "r", "a", null));
        assertThrows(IllegalArgumentException.class, () -> s.withMaxAttempts(0));
        assertThrows(IllegalArgumentException.class, () -> s.withBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.withCredentials("a", " "));
        assertFalse(e.getMessage().contains("s3cr3t"));
    }

    @Test
    void storageOptionsForAwsWithDefaultChainCarryNoCredentials() {
        try (S3GraphStore s = new S3GraphStore(S3Location.parse("s3://b/p"), S3Settings.aws("us-west-2"))) {
            assertEquals(Map.of("aws_region", "us-west-2", "aws_virtual_hosted_style_request", "true"), s.storageOptions());
            assertEquals("s3://b/p (AWS us-west-2)", s.endpointDescription());
        }
    }

    private static S3Exception s3(int status, String code) {
        return (S3Exception) S3Exception.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).build()).build();
    }

    @Test
    void retryClassification() {
        assertFalse(S3Retries.isRetryable(s3(412, "PreconditionFailed")), "a lost create is final");
        assertFalse(S3Retries.isRetryable(s3(409, "ConditionalRequestConflict")), "handled by createIfAbsent itself");
        assertFalse(S3Retries.isRetryable(s3(403, "AccessDenied")));
        assertFalse(S3Retries.isRetryable(s3(400, "InvalidArgument")));
        assertFalse(S3Retries.isRetryable(s3(404, "NoSuchKey")));
        assertFalse(S3Retries.isRetryable(s3(501, "NotImplemented")));
        assertTrue(S3Retries.isRetryable(s3(503, "SlowDown")));
        assertTrue(S3Retries.isThrottling(s3(503, "SlowDown")));
        assertTrue(S3Retries.isRetryable(s3(500, "InternalError")));
        assertTrue(S3Retries.isRetryable(s3(502, null)));
        assertTrue(S3Retries.isRetryable(s3(429, null)));
        assertTrue(S3Retries.isRetryable(s3(400, "RequestTimeout")));
        assertFalse(S3Retries.isThrottling(s3(500, "InternalError")));
        assertTrue(S3Retries.isRetryable(SdkClientException.create("io", new SocketException("Connection reset"))));
        assertTrue(S3Retries.isRetryable(SdkClientException.create("io", new RuntimeException(new IOException("x")))));
        assertFalse(S3Retries.isRetryable(SdkClientException.create("no region configured")));
    }
}
