package reconciler.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GraphStoresTest {

    static final S3Settings SETTINGS = S3Settings.forEndpoint(URI.create("http://127.0.0.1:9"), "us-east-1", "ak", "sk");

    @TempDir
    Path dir;

    @Test
    void localPathOpensLocalStore() {
        GraphStore s = GraphStores.open(dir.toString(), null);
        assertInstanceOf(LocalGraphStore.class, s);
        assertEquals(dir.toAbsolutePath().normalize().toString(), s.root());
        assertInstanceOf(LocalGraphStore.class, GraphStores.open("relative/graph", SETTINGS), "settings are ignored for local roots");
    }

    @Test
    void fileUriOpensLocalStore() {
        GraphStore s = GraphStores.open(dir.toUri().toString(), null);
        assertInstanceOf(LocalGraphStore.class, s);
        assertEquals(dir.toAbsolutePath().normalize().toString(), s.root());
    }

    @Test
    void s3UriOpensS3Store() {
        GraphStore s = GraphStores.open("s3://my-bucket/graphs/g1/", SETTINGS);
        try (S3GraphStore s3 = assertInstanceOf(S3GraphStore.class, s)) {
            assertEquals("s3://my-bucket/graphs/g1", s3.root());
            assertEquals(new S3Location("my-bucket", "graphs/g1"), s3.location());
            assertEquals("s3://my-bucket/graphs/g1/tables/node-P.lance", s3.tableUri(TableKey.parse("node:P")));
        }
    }

    @Test
    void s3UriWithoutSettingsIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GraphStores.open("s3://b/p", null));
        assertTrue(e.getMessage().contains("s3://b/p") && e.getMessage().contains("settings"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"gs://bucket/p", "http://host/p", "s3://", "s3:///p", "s3://b/a//c", "s3://b/../x", ""})
    void unsupportedOrMalformedUrisAreRejected(String uri) {
        assertThrows(IllegalArgumentException.class, () -> GraphStores.open(uri, SETTINGS));
    }
}
