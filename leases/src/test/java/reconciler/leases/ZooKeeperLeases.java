package reconciler.leases;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real embedded ZooKeeper server on 127.0.0.1 for a test class, started before its
 * {@code @BeforeAll} methods and closed after its {@code @AfterAll} methods, the server's data in a
 * temporary directory of its own; and, on first use, one {@link LeaseManager} on it (4 s session,
 * 10 s connect), closed with it. Register it on a static field:
 * {@code @RegisterExtension static final ZooKeeperLeases ZK = new ZooKeeperLeases(500);}.
 */
public final class ZooKeeperLeases implements BeforeAllCallback, AfterAllCallback {

    public static final Duration SESSION = Duration.ofSeconds(4);
    public static final Duration CONNECT = Duration.ofSeconds(10);

    private final int tickTimeMs;
    private Path dir;
    private EmbeddedZooKeeper server;
    private LeaseManager leases;

    /** @param tickTimeMs the server's tick; it bounds the session timeouts (2 to 20 ticks) */
    public ZooKeeperLeases(int tickTimeMs) {
        this.tickTimeMs = tickTimeMs;
    }

    @Override
    public synchronized void beforeAll(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory("zk-");
        server = EmbeddedZooKeeper.start(dir, 0, tickTimeMs);
    }

    @Override
    public synchronized void afterAll(ExtensionContext context) throws IOException {
        // one instance may serve several test classes (a static field of a base class): forget this class's server
        LeaseManager l = leases;
        EmbeddedZooKeeper z = server;
        Path d = dir;
        leases = null;
        server = null;
        dir = null;
        try {
            if (l != null) {
                l.close();
            }
        } finally {
            if (z != null) {
                z.close();
            }
            if (d != null) {
                org.apache.commons.io.FileUtils.deleteDirectory(d.toFile());
            }
        }
    }

    public EmbeddedZooKeeper server() {
        return server;
    }

    public String connectString() {
        return server.connectString();
    }

    /** The class's lease manager, opened on first use; closed by the extension, not by the test. */
    public synchronized LeaseManager leases() throws LeaseException {
        if (leases == null) {
            leases = new LeaseManager(server.connectString(), SESSION, CONNECT);
        }
        return leases;
    }
}
