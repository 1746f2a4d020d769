package reconciler.leases;

import java.nio.file.Path;
import java.time.Duration;

/**
 * An embedded ZooKeeper that a test can stop and start again on the same port and data, so that
 * clients go SUSPENDED and then reconnect with the same session.
 */
final class RestartableZooKeeper implements AutoCloseable {

    private final Path dir;
    private final int port;
    final String connectString;
    private EmbeddedZooKeeper zk;

    RestartableZooKeeper(Path dir) throws Exception {
        this.dir = dir;
        zk = EmbeddedZooKeeper.start(dir, 0, 500);
        port = zk.port();
        connectString = zk.connectString();
    }

    /** Stops the server (its data stays) and waits until {@code lease} is invalid: the holder is SUSPENDED. */
    void stopUntilInvalid(LeaseSet lease) throws Exception {
        zk.close();
        Await.until(() -> !lease.isValid(), Duration.ofSeconds(15), "lease invalid while SUSPENDED");
    }

    /** Starts the server again on the same port and data: sessions survive and clients reconnect. */
    void restart() throws Exception {
        zk = EmbeddedZooKeeper.start(dir, port, 500);
    }

    static long sessionId(LeaseManager m) throws Exception {
        return m.client().getZookeeperClient().getZooKeeper().getSessionId();
    }

    @Override
    public void close() {
        zk.close();
    }
}
