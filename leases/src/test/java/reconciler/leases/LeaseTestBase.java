package reconciler.leases;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * One real embedded ZooKeeper server per test class, a graph id per test method, and lease
 * managers ({@link #manager()}) closed after each test in reverse order.
 */
abstract class LeaseTestBase {
    static final Duration SESSION = Duration.ofSeconds(4);
    static final Duration CONNECT = Duration.ofSeconds(10);
    static final String MAIN = "main";

    @TempDir
    static Path tmp;
    static EmbeddedZooKeeper zk;

    final List<AutoCloseable> toClose = new ArrayList<>();
    String graph;

    @BeforeAll
    static void startServer() throws Exception {
        zk = EmbeddedZooKeeper.start(tmp.resolve("zk"), 0, 500);
    }

    @AfterAll
    static void stopServer() {
        if (zk != null) {
            zk.close();
        }
    }

    @BeforeEach
    void graphPerTest(TestInfo info) {
        graph = "g-" + info.getTestMethod().orElseThrow().getName();
    }

    @AfterEach
    void closeAll() throws Exception {
        Collections.reverse(toClose);
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    /** A lease manager on the class's server, closed after the test. */
    LeaseManager manager() throws LeaseException {
        LeaseManager m = new LeaseManager(zk.connectString(), SESSION, CONNECT);
        toClose.add(m);
        return m;
    }
}
