package reconciler.daemon;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reconciler.leases.EmbeddedZooKeeper;
import reconciler.leases.LeaseException;
import reconciler.leases.LeaseManager;

/**
 * Connects to ZooKeeper as configured: the external ensemble of {@code zookeeper.connect}, or the
 * embedded server on 127.0.0.1:{@code zookeeper.embeddedPort}. The daemon (and {@code run --once},
 * {@code demo}) starts the embedded server when none is serving there; writers only connect.
 */
public final class Coordination implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Coordination.class);

    private final EmbeddedZooKeeper embedded;
    private final LeaseManager leases;

    private Coordination(EmbeddedZooKeeper embedded, LeaseManager leases) {
        this.embedded = embedded;
        this.leases = leases;
    }

    /**
     * @param startEmbedded whether this process may start the embedded server
     * @throws IOException if the embedded server cannot start, or none is serving and this process may not start one
     * @throws LeaseException if ZooKeeper cannot be reached
     */
    public static Coordination open(Config cfg, boolean startEmbedded) throws IOException, LeaseException {
        Config.ZooKeeper z = cfg.zookeeper;
        EmbeddedZooKeeper embedded = null;
        String connect = z.connect;
        if (connect.isBlank()) {
            connect = "127.0.0.1:" + z.embeddedPort;
            if (!EmbeddedZooKeeper.isServing(connect, Duration.ofMillis(500))) {
                if (!startEmbedded) {
                    throw new IOException("no ZooKeeper serving at " + connect + ": start the daemon ('reconciler run') which hosts the "
                            + "embedded server, or set zookeeper.connect to an ensemble");
                }
                embedded = EmbeddedZooKeeper.start(Path.of(cfg.stateDir).resolve("zookeeper"), z.embeddedPort, (int) z.embeddedTickTime.toMillis());
                LOG.info("embedded ZooKeeper serving at {} (data in {})", embedded.connectString(), Path.of(cfg.stateDir).resolve("zookeeper"));
            }
        }
        try {
            LeaseManager leases = new LeaseManager(connect, z.sessionTimeout, z.connectTimeout, z.digestAuth());
            cfg.livenessDirectory().ifPresent(leases::enableLiveness); // holders name themselves and hold local locks (docs/leases.md)
            return new Coordination(embedded, leases);
        } catch (LeaseException | RuntimeException e) {
            if (embedded != null) {
                embedded.close();
            }
            throw e;
        }
    }

    public LeaseManager leases() {
        return leases;
    }

    /** Whether this process hosts the embedded server. */
    public boolean hostsEmbedded() {
        return embedded != null;
    }

    @Override
    public void close() {
        leases.close();
        if (embedded != null) {
            embedded.close();
        }
    }
}
