package reconciler.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Bearer-token check for mutating endpoints. Only the SHA-256 digest of the configured token is
 * kept; a presented token is hashed and compared with {@link MessageDigest#isEqual} over the
 * fixed-length digests, so the comparison takes the same time whatever the presented token's
 * length or how many leading characters match. Neither token is ever logged.
 */
public final class BearerAuth {

    private final byte[] expected;

    /** @param token the configured token (non-blank) */
    public BearerAuth(String token) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("a bearer token is required");
        }
        this.expected = sha256(token);
    }

    /**
     * Whether an {@code Authorization} header value carries the configured token.
     *
     * @param authorization the header value, or null
     */
    public boolean matches(String authorization) {
        String presented = "";
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            presented = authorization.substring(7).strip();
        }
        // Always hash and compare (also for a missing header): no early exit that timing could reveal.
        boolean equal = MessageDigest.isEqual(expected, sha256(presented));
        return equal && !presented.isEmpty();
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
