package reconciler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;
import reconciler.daemon.Config;
import reconciler.graph.Graph;

/**
 * The CLI side of the daemon's HTTP API (docs/maintenance.md): finds the daemon from the config
 * ({@code http.bind}, {@code http.port}, or {@code <stateDir>/http.port} when the port is 0) and
 * the bearer token ({@code --token-file}, {@code --token-env}, or the config's {@code http.tokenEnv}).
 * Prints the API's JSON unchanged with {@code --json}.
 */
final class DaemonApi {

    static final ObjectMapper JSON = new ObjectMapper();

    /** Options shared by the API commands. */
    static final class Options {
        @Option(names = "--url", paramLabel = "URL", description = "daemon API base URL (default: from the config's http section)")
        URI url;

        @Option(names = "--token-env", paramLabel = "NAME", description = "environment variable holding the bearer token (default: http.tokenEnv)")
        String tokenEnv;

        @Option(names = "--token-file", paramLabel = "FILE", description = "file holding the bearer token")
        Path tokenFile;
    }

    /** An API answer. */
    record Answer(int status, JsonNode body) {
        boolean ok() {
            return status < 400;
        }

        String errorType() {
            return body.path("error").path("type").asText("HttpError");
        }

        String errorMessage() {
            return body.path("error").path("message").asText(body.toString());
        }

        /** Exit code for an error answer (README exit codes). */
        int exitCode() {
            return switch (status) {
                case 400, 404, 405 -> Main.USAGE;
                case 401, 403 -> Main.REFUSED;
                default -> Main.FAILURE;
            };
        }
    }

    /** The daemon is not reachable. */
    static final class Unreachable extends Exception {
        Unreachable(String m, Throwable cause) {
            super(m, cause);
        }
    }

    private final URI base;
    private final Options options;
    private final Config cfg;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    DaemonApi(Config cfg, Options options) throws Unreachable {
        this.cfg = cfg;
        this.options = options;
        this.base = options.url != null ? options.url : baseFromConfig(cfg);
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

    URI base() {
        return base;
    }

    private String token() throws IOException {
        if (options.tokenFile != null) {
            return Files.readString(options.tokenFile).strip();
        }
        String env = options.tokenEnv != null ? options.tokenEnv : cfg.http.tokenEnv;
        if (env == null || env.isBlank()) {
            return null;
        }
        String v = System.getenv(env);
        return v == null ? null : v.strip();
    }

    Answer get(String path) throws Unreachable, IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET(), Duration.ofSeconds(30));
    }

    Answer post(String path, Duration timeout) throws Unreachable, IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).POST(HttpRequest.BodyPublishers.noBody());
        String t = token();
        if (t != null) {
            b.header("Authorization", "Bearer " + t);
        }
        return send(b, timeout);
    }

    /** GET with a long-poll wait. */
    Answer get(String path, Duration timeout) throws Unreachable, IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET(), timeout);
    }

    private Answer send(HttpRequest.Builder b, Duration timeout) throws Unreachable, IOException, InterruptedException {
        HttpResponse<String> r;
        try {
            r = http.send(b.timeout(timeout.plusSeconds(30)).header("Accept", "application/json").build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new Unreachable("no daemon API at " + base + ": start 'reconciler run' with http.enabled: true (" + e + ")", e);
        }
        JsonNode body;
        try {
            body = r.body() == null || r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            body = JSON.createObjectNode().put("raw", r.body());
        }
        return new Answer(r.statusCode(), body);
    }

    /** A graph argument: a graph id, or a graph root directory (its manifest's graph id). */
    static String graphId(String arg) throws IOException {
        Path p = Path.of(arg);
        if (Files.isDirectory(p.resolve("_manifest"))) {
            try (Graph g = Graph.local(p)) {
                return g.manifests().require().graphId();
            }
        }
        return arg;
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Prints an error answer on stderr and returns its exit code. */
    static int fail(Answer a) {
        System.err.println("error: " + a.errorType() + ": " + a.errorMessage());
        return a.exitCode();
    }

    static void print(JsonNode n) throws IOException {
        System.out.println(JSON.writeValueAsString(n));
    }
}
