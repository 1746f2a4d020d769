package reconciler.cli;

import java.io.IOException;
import java.time.Duration;
import java.util.function.Supplier;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import reconciler.daemon.Config;
import reconciler.daemon.Coordination;
import reconciler.daemon.Roots;
import reconciler.graph.Graph;
import reconciler.indexer.IndexMaintenance;
import reconciler.indexer.MaintenanceOptions;
import reconciler.leases.LeaseException;
import reconciler.leases.LeaseManager;

/**
 * The graph a command works on, as one picocli mixin: {@code --config} and the {@code GRAPH}
 * argument (always the first positional one), with the one way the CLI opens the graph and connects
 * to ZooKeeper. Commands with more positional arguments declare them from index 1 on.
 */
final class GraphTarget {

    @Mixin
    ConfigOption config;

    @Parameters(index = "0", paramLabel = "GRAPH", description = "graph root: a directory, file://… or s3://bucket/prefix")
    String root;

    private Config loaded;

    /** The config, loaded once. @throws Config.ConfigException naming key and line */
    Config config() throws Config.ConfigException {
        if (loaded == null) {
            loaded = config.load();
        }
        return loaded;
    }

    /** Opens the graph root (local or {@code s3://}); the caller closes it. */
    Graph open() throws IOException, Config.ConfigException {
        return Roots.open(root, config());
    }

    /** Connects to the ZooKeeper the config names (never starts the embedded server). */
    Coordination coordination() throws IOException, LeaseException, Config.ConfigException {
        return Coordination.open(config(), false);
    }

    /** A maintenance command's work on the open graph, with ZooKeeper's leases and an indexer; returns the exit code. */
    interface MaintenanceWork {
        int run(Graph graph, LeaseManager leases, IndexMaintenance im) throws Exception;
    }

    /**
     * Opens the graph, connects to ZooKeeper and makes an indexer with {@code options}, runs
     * {@code work} and closes them. An argument refused on the way ({@link IllegalArgumentException},
     * e.g. a malformed duration or an unknown table) is a usage error (exit 2); leases that cannot be
     * taken exit 4; both print {@code error: <message>} on stderr.
     */
    int withMaintenance(Supplier<MaintenanceOptions> options, MaintenanceWork work) throws Exception {
        try (Graph g = open(); Coordination c = coordination(); IndexMaintenance im = new IndexMaintenance(options.get())) {
            return work.run(g, c.leases(), im);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            return Main.USAGE;
        } catch (LeaseException e) {
            System.err.println("error: " + e.getMessage());
            return Main.FAILURE;
        }
    }

    /** {@code --lease-timeout}: how long a write or a maintenance commit waits for its leases. */
    static final class LeaseTimeout {
        @Option(names = "--lease-timeout", paramLabel = "DURATION",
                description = "how long to wait for the leases (default: 60s for writes, 30s for index and maintenance commits)")
        String value;

        /** The given timeout, or {@code otherwise}. @throws IllegalArgumentException for a malformed duration */
        Duration orElse(Duration otherwise) {
            return value == null ? otherwise : Config.parseDuration(value);
        }
    }
}
