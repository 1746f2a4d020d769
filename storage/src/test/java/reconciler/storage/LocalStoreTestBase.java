package reconciler.storage;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A {@link LocalGraphStore} ({@link #store}) on a fresh temporary directory ({@link #dir}) for each test. */
public abstract class LocalStoreTestBase {

    @TempDir
    protected Path dir;
    protected LocalGraphStore store;

    @BeforeEach
    protected void openLocalStore() {
        store = new LocalGraphStore(dir);
    }
}
