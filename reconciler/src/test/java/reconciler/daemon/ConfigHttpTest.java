package reconciler.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The {@code http:} section and {@code shutdownTimeout} (issue #5): defaults, parsing, errors naming key and line. */
class ConfigHttpTest extends ConfigFileTestBase {

    private String error(String text) throws Exception {
        return fails(write("bad.yaml", text)).getMessage();
    }

    @Test
    void defaultsAreOffOnLoopbackWithNoToken() throws Exception {
        Config c = Config.load(write("empty.yaml", "graphs: []\n"));
        assertFalse(c.http.enabled);
        assertEquals("127.0.0.1", c.http.bind);
        assertEquals(8725, c.http.port);
        assertEquals("", c.http.tokenEnv);
        assertNull(c.http.token());
        assertEquals(4, c.http.threads);
        assertEquals(Duration.ofSeconds(45), c.shutdownTimeout);
        assertEquals(dir.resolve("empty.yaml"), c.sourceFile());
        assertNull(new Config().sourceFile());
    }

    @Test
    void parsesTheSection() throws Exception {
        Config c = Config.load(write("http.yaml", """
                shutdownTimeout: 20s
                http:
                  enabled: true
                  bind: 0.0.0.0
                  port: 0
                  tokenEnv: RECONCILER_HTTP_TOKEN
                  threads: 8
                  maxWait: 2m
                """));
        assertTrue(c.http.enabled);
        assertEquals("0.0.0.0", c.http.bind);
        assertEquals(0, c.http.port);
        assertEquals("RECONCILER_HTTP_TOKEN", c.http.tokenEnv);
        assertEquals(8, c.http.threads);
        assertEquals(Duration.ofMinutes(2), c.http.maxWait);
        assertEquals(Duration.ofSeconds(20), c.shutdownTimeout);
    }

    @Test
    void errorsNameTheKeyAndLine() throws Exception {
        String e = error("graphs: []\nhttp:\n  enabled: true\n  port: 70000\n");
        assertTrue(e.contains("line 4") && e.contains("'http.port'"), e);
        e = error("http:\n  prot: 1\n");
        assertTrue(e.contains("line 2") && e.contains("prot"), e);
        e = error("http:\n  tokenEnv: \"my secret token\"\n");
        assertTrue(e.contains("line 2") && e.contains("'http.tokenEnv'") && e.contains("NAME"), e);
        e = error("http:\n  threads: 0\n");
        assertTrue(e.contains("line 2") && e.contains("'http.threads'"), e);
        e = error("graphs: []\nshutdownTimeout: 0s\n");
        assertTrue(e.contains("line 2") && e.contains("'shutdownTimeout'"), e);
        e = error("http:\n  maxWait: forever\n");
        assertTrue(e.contains("line 2") && e.contains("http.maxWait"), e);
        e = error("source: /etc/passwd\n");
        assertTrue(e.contains("unknown key 'source'"), "the source file is not a YAML key: " + e);
    }

    @Test
    void tokenComesFromTheNamedVariableAndMustBeLongEnough() throws Exception {
        ConfigBuilder.Http h = new ConfigBuilder.Http();
        h.tokenEnv = "RECONCILER_TEST_SURELY_UNSET_VARIABLE";
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> h.build().token());
        assertTrue(e.getMessage().contains("http.tokenEnv") && e.getMessage().contains("RECONCILER_TEST_SURELY_UNSET_VARIABLE"));
        assertThrows(IllegalStateException.class, () -> new ConfigBuilder.Http().withToken("short").build().token());
        assertEquals("0123456789abcdef", new ConfigBuilder.Http().withToken(" 0123456789abcdef ").build().token());
        String path = System.getenv("PATH");
        assumeTrue(path != null && path.strip().length() >= 16);
        h.tokenEnv = "PATH";
        assertEquals(path.strip(), h.build().token());
    }

    @Test
    void shippedConfigEnablesTheApiOnLoopback() throws Exception {
        Path shipped = Path.of("..", "conf", "reconciler.yaml");
        assumeTrue(Files.isRegularFile(shipped));
        Config c = Config.load(shipped);
        assertTrue(c.http.enabled);
        assertEquals("127.0.0.1", c.http.bind);
        assertEquals(8725, c.http.port);
        assertEquals("RECONCILER_HTTP_TOKEN", c.http.tokenEnv);
    }
}
