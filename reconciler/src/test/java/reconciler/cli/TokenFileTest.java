package reconciler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --token-file}: a bare token or an environment file; never a secret in an error. */
class TokenFileTest {

    static final String SECRET = "s3cr3t-zk-digest-password";

    @TempDir
    Path dir;

    private Path file(String content) throws Exception {
        Path f = dir.resolve("f" + content.hashCode());
        Files.writeString(f, content);
        return f;
    }

    @Test
    void aBareTokenIsRead() throws Exception {
        assertEquals("0123456789abcdef0123", TokenFile.read(file("0123456789abcdef0123\n"), "RECONCILER_HTTP_TOKEN"));
        assertEquals("tok=en/with+base64==", TokenFile.read(file("# comment\ntok=en/with+base64==\n"), null));
    }

    @Test
    void theInstalledEnvironmentFileGivesTheNamedVariable() throws Exception {
        Path env = file(Files.readString(Path.of("../conf/reconciler.env.example"))
                + "RECONCILER_ZK_DIGEST=reconciler:" + SECRET + "\n");
        assertEquals("change-me-to-a-long-random-string", TokenFile.read(env, "RECONCILER_HTTP_TOKEN"));
        assertEquals("quoted-token-value", TokenFile.read(file("export A=\"quoted-token-value\"\nB='x'\n"), "A"));
    }

    @Test
    void errorsNameTheFileAndVariablesButNoValue() throws Exception {
        Path env = file("RECONCILER_ZK_DIGEST=reconciler:" + SECRET + "\nLANCE_LOG=error\n");
        TokenFile.TokenFileException missing = assertThrows(TokenFile.TokenFileException.class,
                () -> TokenFile.read(env, "RECONCILER_HTTP_TOKEN"));
        assertTrue(missing.getMessage().contains(env.toString()) && missing.getMessage().contains("RECONCILER_HTTP_TOKEN")
                && missing.getMessage().contains("RECONCILER_ZK_DIGEST"), missing.getMessage());
        assertFalse(missing.getMessage().contains(SECRET), missing.getMessage());

        TokenFile.TokenFileException unnamed = assertThrows(TokenFile.TokenFileException.class, () -> TokenFile.read(env, null));
        assertFalse(unnamed.getMessage().contains(SECRET), unnamed.getMessage());

        Path prose = file("first line " + SECRET + "\nsecond line\n");
        TokenFile.TokenFileException neither = assertThrows(TokenFile.TokenFileException.class, () -> TokenFile.read(prose, "T"));
        assertFalse(neither.getMessage().contains(SECRET), neither.getMessage());

        Path spaced = file("T=two words " + SECRET + "\n");
        TokenFile.TokenFileException invalid = assertThrows(TokenFile.TokenFileException.class, () -> TokenFile.read(spaced, "T"));
        assertTrue(invalid.getMessage().contains("not a valid bearer token"), invalid.getMessage());
        assertFalse(invalid.getMessage().contains(SECRET), invalid.getMessage());
    }

    @Test
    void theCliExitsTwoWithoutPrintingTheFile() throws Exception {
        Path env = file("RECONCILER_ZK_DIGEST=reconciler:" + SECRET + "\n");
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.err;
        int code;
        System.setErr(new java.io.PrintStream(err, true));
        try {
            code = Main.run(new String[] {"kinds", "--url", "http://127.0.0.1:1", "--token-file", env.toString(), "--token-env",
                    "RECONCILER_HTTP_TOKEN"});
        } finally {
            System.setErr(old);
        }
        assertEquals(2, code, err.toString());
        assertTrue(err.toString().contains("has no RECONCILER_HTTP_TOKEN= line"), err.toString());
        assertFalse(err.toString().contains(SECRET), err.toString());
    }
}
