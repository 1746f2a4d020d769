package reconciler.cli;

import java.io.IOException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import reconciler.daemon.Config;
import reconciler.daemon.Coordination;
import reconciler.daemon.Roots;
import reconciler.graph.Graph;
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

    /** A command's work on the open graph with ZooKeeper's leases; returns the exit code. */
    interface LeasedWork {
        int run(Graph graph, LeaseManager leases) throws Exception;
    }

    /**
     * Opens the graph, connects to ZooKeeper, runs {@code work} and closes both. An argument refused
     * on the way ({@link IllegalArgumentException}, e.g. a malformed duration, an unknown table or
     * branch) is a usage error (exit 2); leases that cannot be taken exit 4; both print
     * {@code error: <message>} on stderr.
     */
    int withLeases(LeasedWork work) throws Exception {
        try (Graph g = open(); Coordination c = coordination()) {
            return work.run(g, c.leases());
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            return Main.USAGE;
        } catch (LeaseException e) {
            System.err.println("error: " + e.getMessage());
            return Main.FAILURE;
        }
    }
}
