package reconciler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import reconciler.client.ReconcilerApiException;
import reconciler.client.ReconcilerClient;
import reconciler.daemon.Config;
import reconciler.graph.Graph;

/**
 * Where the CLI finds the running daemon's HTTP API (docs/maintenance.md) and how it reports what
 * the API answered. The daemon is found from the config ({@code http.bind}, {@code http.port}, or
 * {@code <stateDir>/http.port} when the port is 0) unless {@code --url} names it; the bearer token
 * comes from {@code --token-file}, {@code --token-env}, or the config's {@code http.tokenEnv}. Every
 * request goes through the one HTTP client of the API, {@link ReconcilerClient}.
 *
 * <p>Exit codes (docs/operations.md): an answer of 400, 404 or 405 is a usage error (2), 401 or 403 a
 * refusal (3), any other error or an unreachable daemon a failure (4). Errors print one line on
 * stderr: {@code error: <type>: <message>}.
 */
final class DaemonEndpoint {

    /** The options of every command that talks to the daemon: the config, and where and how to reach its API. */
    static final class Options {
        @Mixin
        ConfigOption config;

        @Option(names = "--url", paramLabel = "URL", description = "daemon API base URL (default: from the config's http section)")
        URI url;

        @Option(names = "--token-env", paramLabel = "NAME", description = "environment variable holding the bearer token (default: http.tokenEnv)")
        String tokenEnv;

        @Option(names = "--token-file", paramLabel = "FILE", description = "file holding the bearer token: the bare token, or an environment "
                + "file such as /etc/reconciler/reconciler.env (its --token-env / http.tokenEnv line is used; nothing else is read out)")
        Path tokenFile;
    }

    /**
     * The options of a command that reads from the daemon's API and prints what it answered:
     * {@link Options} and {@code --json} (the API's JSON as it came, on one line).
     */
    static final class Query {
        @Mixin
        Options api;

        @Option(names = "--json", description = "print the API's JSON")
        boolean json;

        /** {@link DaemonEndpoint#run} with these options. */
        int run(Call call) throws Exception {
            return DaemonEndpoint.run(api, call);
        }

        /** Prints {@code answer} with {@code --json}, else runs {@code text}. */
        void print(JsonNode answer, Runnable text) {
            JsonOutput.print(json, answer, text);
        }
    }

    /** What a command does with the client; returns its exit code. */
    interface Call {
        int run(ReconcilerClient client) throws Exception;
    }

    /** The daemon's address or token cannot be found. */
    static final class Unreachable extends Exception {
        Unreachable(String m, Throwable cause) {
            super(m, cause);
        }
    }

    private DaemonEndpoint() {
    }

    /**
     * Runs {@code call} against the daemon the options name and turns what can go wrong into the
     * documented exit codes.
     */
    static int run(Options options, Call call) throws Exception {
        URI base = null;
        try {
            Config cfg = options.config.load();
            base = options.url != null ? options.url : baseFromConfig(cfg);
            return call.run(ReconcilerClient.builder(base).token(token(cfg, options)).build());
        } catch (ReconcilerApiException e) {
            System.err.println("error: " + e.type() + ": " + e.body().path("error").path("message").asText(e.getMessage()));
            return switch (e.status()) {
                case 400, 404, 405 -> Main.USAGE;
                case 401, 403 -> Main.REFUSED;
                default -> Main.FAILURE;
            };
        } catch (ConnectException e) {
            System.err.println("error: no daemon API at " + base + ": start 'reconciler run' with http.enabled: true (" + e + ")");
            return Main.FAILURE;
        } catch (Unreachable e) {
            System.err.println("error: " + e.getMessage());
            return Main.FAILURE;
        } catch (TokenFile.TokenFileException e) {
            System.err.println("error: " + e.getMessage());
            return Main.USAGE;
        }
    }

    private static URI baseFromConfig(Config cfg) throws Unreachable {
        int port = cfg.http.port;
        Path portFile = Path.of(cfg.stateDir).resolve("http.port");
        if (port == 0) {
            try {
                port = Integer.parseInt(Files.readString(portFile).strip());
            } catch (IOException | NumberFormatException e) {
                throw new Unreachable("the daemon's HTTP port is unknown: " + portFile + " is missing (http.port is 0); is 'reconciler run' "
                        + "running with http.enabled: true?", e);
            }
        }
        String host = cfg.http.bind;
        if (host.equals("0.0.0.0")) {
            host = "127.0.0.1";
        } else if (host.equals("::") || host.equals("[::]")) {
            host = "[::1]";
        } else if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + port);
    }

    private static String token(Config cfg, Options options) throws IOException {
        String env = options.tokenEnv != null ? options.tokenEnv : cfg.http.tokenEnv;
        if (options.tokenFile != null) {
            return TokenFile.read(options.tokenFile, env);
        }
        if (env == null || env.isBlank()) {
            return null;
        }
        String v = System.getenv(env);
        return v == null ? null : v.strip();
    }

    /** The {@code GRAPH} argument of a command that asks the daemon about a graph (a picocli mixin; always the first positional one). */
    static final class GraphArg {
        @Parameters(index = "0", paramLabel = "GRAPH", description = "graph id, or a graph root directory")
        String graph;

        /** The graph id: the argument, or the graph id of the graph root directory it names. */
        String id() throws IOException {
            Path p = Path.of(graph);
            if (Files.isDirectory(p.resolve("_manifest"))) {
                try (Graph g = Graph.local(p)) {
                    return g.manifests().require().graphId();
                }
            }
            return graph;
        }
    }
}
