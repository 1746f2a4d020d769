package reconciler.indexer;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The set-up the indexer tests share: one {@link Fixture} (ZooKeeper, leases, graphs) per test class in a temporary folder. */
abstract class FixtureTest {

    @TempDir
    static Path dir;
    static Fixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = new Fixture(dir);
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    /** Maintenance options that build vector indexes quickly on small test tables. */
    static MaintenanceOptions fast() {
        return MaintenanceOptions.defaults().vectorMaxIters(10).vectorSampleRate(64);
    }
}
