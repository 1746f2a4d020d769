package reconciler.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BearerAuthTest {

    private final BearerAuth auth = new BearerAuth("s3cret-token-0123456789");

    @Test
    void acceptsOnlyTheExactBearerToken() {
        assertTrue(auth.matches("Bearer s3cret-token-0123456789"));
        assertTrue(auth.matches("bearer s3cret-token-0123456789"), "the scheme is case-insensitive (RFC 7235)");
        assertTrue(auth.matches("Bearer   s3cret-token-0123456789  "));
        assertFalse(auth.matches(null));
        assertFalse(auth.matches(""));
        assertFalse(auth.matches("Bearer "));
        assertFalse(auth.matches("Bearer s3cret-token-012345678"), "prefix");
        assertFalse(auth.matches("Bearer s3cret-token-0123456789x"), "longer");
        assertFalse(auth.matches("Bearer S3CRET-TOKEN-0123456789"), "case matters in the token");
        assertFalse(auth.matches("Basic s3cret-token-0123456789"));
        assertFalse(auth.matches("s3cret-token-0123456789"));
    }

    @Test
    void refusesABlankToken() {
        assertThrows(IllegalArgumentException.class, () -> new BearerAuth(" "));
        assertThrows(IllegalArgumentException.class, () -> new BearerAuth(null));
    }
}
