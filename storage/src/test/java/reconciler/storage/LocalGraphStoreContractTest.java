package reconciler.storage;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The {@link GraphStore} contract on {@link LocalGraphStore}. */
class LocalGraphStoreContractTest extends GraphStoreContractTest {

    @TempDir
    Path dir;

    @Override
    GraphStore newStore() {
        return new LocalGraphStore(dir.resolve("graph"));
    }

    @Override
    boolean objectsAndPrefixesCoexist() {
        return false;
    }

    @Override
    byte[] readRaw(String key) throws Exception {
        return Files.readAllBytes(dir.resolve("graph").resolve(key));
    }

    @Override
    void plantRaw(String key, byte[] data) throws Exception {
        Path p = dir.resolve("graph").resolve(key);
        Files.createDirectories(p.getParent());
        Files.write(p, data);
    }
}
