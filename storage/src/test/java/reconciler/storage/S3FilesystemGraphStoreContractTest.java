package reconciler.storage;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The {@link GraphStore} contract on {@link S3GraphStore} against s3proxy's filesystem blob
 * store (objects as files on disk), in addition to the in-memory one of the superclass.
 */
class S3FilesystemGraphStoreContractTest extends S3GraphStoreContractTest {

    static Path dir;

    @BeforeAll
    static void startServer() throws Exception {
        dir = Files.createTempDirectory("s3proxy-fs");
        server = S3TestServer.startFilesystem(dir, "graphs");
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
