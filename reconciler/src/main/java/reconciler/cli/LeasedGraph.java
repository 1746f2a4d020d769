package reconciler.cli;

import java.time.Duration;
import java.util.function.Supplier;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import reconciler.daemon.Config;
import reconciler.graph.Graph;
import reconciler.indexer.IndexMaintenance;
import reconciler.indexer.MaintenanceOptions;
import reconciler.leases.LeaseManager;

/**
 * The graph a command changes under ZooKeeper's leases, as one picocli mixin: the
 * {@link GraphTarget} ({@code --config}, {@code GRAPH}) and {@code --lease-timeout}, how long a
 * write ({@value #WRITE_SECONDS} s by default) or a maintenance commit ({@value #MAINTENANCE_SECONDS}
 * s) waits for its leases.
 */
final class LeasedGraph {

    static final int WRITE_SECONDS = 60;
    static final int MAINTENANCE_SECONDS = 30;

    @Mixin
    GraphTarget target;

    @Option(names = "--lease-timeout", paramLabel = "DURATION",
            description = "how long to wait for the leases (default: 60s for writes, 30s for index and maintenance commits)")
    String leaseTimeout;

    /** The lease timeout of a write. @throws IllegalArgumentException for a malformed duration */
    Duration writeTimeout() {
        return orElse(Duration.ofSeconds(WRITE_SECONDS));
    }

    /** The given timeout, or {@code otherwise}. @throws IllegalArgumentException for a malformed duration */
    private Duration orElse(Duration otherwise) {
        return leaseTimeout == null ? otherwise : Config.parseDuration(leaseTimeout);
    }

    /** A maintenance command's work on the open graph, with ZooKeeper's leases and an indexer; returns the exit code. */
    interface MaintenanceWork {
        int run(Graph graph, LeaseManager leases, IndexMaintenance im) throws Exception;
    }

    /**
     * {@link GraphTarget#withLeases} with an indexer made with {@code options} and the maintenance
     * lease timeout; the same exit codes (a malformed option is a usage error, exit 2).
     */
    int withMaintenance(Supplier<MaintenanceOptions> options, MaintenanceWork work) throws Exception {
        return target.withLeases((g, leases) -> {
            try (IndexMaintenance im = new IndexMaintenance(options.get().leaseTimeout(orElse(Duration.ofSeconds(MAINTENANCE_SECONDS))))) {
                return work.run(g, leases, im);
            }
        });
    }
}
