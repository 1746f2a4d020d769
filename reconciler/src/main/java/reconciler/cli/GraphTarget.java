package reconciler.cli;

import java.io.IOException;
import java.time.Duration;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import reconciler.daemon.Config;
import reconciler.daemon.Coordination;
import reconciler.daemon.Roots;
import reconciler.graph.Graph;
import reconciler.leases.LeaseException;

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
