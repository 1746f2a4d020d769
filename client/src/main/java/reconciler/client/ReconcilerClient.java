package reconciler.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A small client of the reconciler daemon's maintenance API for benchmark harnesses (MemPalace
 * RFC 001 §7.3): {@link #maintenanceKinds()} (the advertised set, never guessed),
 * {@link #maintenanceState(String)}, {@link #runMaintenance(String, String, Duration)} and
 * {@link #awaitCaughtUp(String, Duration)}. Only the JDK {@link HttpClient} and Jackson.
 * Thread-safe. The token is sent only on mutating requests and never appears in exceptions.
 *
 * <pre>{@code
 * ReconcilerClient c = ReconcilerClient.builder(URI.create("http://127.0.0.1:8725"))
 *         .token(System.getenv("RECONCILER_HTTP_TOKEN")).build();
 * MaintenanceState s0 = c.maintenanceState("debian");          // right after bulk load
 * MaintenanceState s1 = c.awaitCaughtUp("debian", Duration.ofMinutes(10));
 * for (String kind : c.maintenanceKinds()) {
 *     Job j = c.runMaintenance("debian", kind, Duration.ofHours(1));
 * }
 * }</pre>
 */
public final class ReconcilerClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String token;
    private final HttpClient http;
    private final Duration requestTimeout;

    private ReconcilerClient(Builder b) {
        this.base = b.base;
        this.token = b.token;
        this.http = b.http != null ? b.http : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        this.requestTimeout = b.requestTimeout;
    }

    /** A builder for the daemon at {@code base} (e.g. {@code http://127.0.0.1:8725}). */
    public static Builder builder(URI base) {
        return new Builder(base);
    }

    /** The daemon's base URI from {@code <stateDir>/http.port} (written when {@code http.port} is 0), on 127.0.0.1. */
    public static URI baseFromPortFile(Path stateDir) throws IOException {
        return URI.create("http://127.0.0.1:" + Integer.parseInt(Files.readString(stateDir.resolve("http.port")).strip()));
    }

    /** Builder. */
    public static final class Builder {
        private final URI base;
        private String token;
        private HttpClient http;
        private Duration requestTimeout = Duration.ofSeconds(30);

        private Builder(URI base) {
            this.base = Objects.requireNonNull(base);
        }

        /** The bearer token for mutating requests ({@code http.tokenEnv} on the daemon). */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        public Builder httpClient(HttpClient http) {
            this.http = http;
            return this;
        }

        /** Timeout of a request without a wait (default 30 s); long polls add their wait. */
        public Builder requestTimeout(Duration d) {
            this.requestTimeout = d;
            return this;
        }

        public ReconcilerClient build() {
            return new ReconcilerClient(this);
        }
    }

    /** The daemon's base URI. */
    public URI base() {
        return base;
    }

    // ------------------------------------------------------------------------------------------

    /** The advertised maintenance kinds, sorted ({@code GET /v1/maintenance-kinds}). */
    public List<String> maintenanceKinds() throws IOException, InterruptedException, ReconcilerApiException {
        List<String> out = new ArrayList<>();
        get("/v1/maintenance-kinds", Duration.ZERO).path("kinds").forEach(n -> out.add(n.asText()));
        return out;
    }

    /** The whole kinds answer: names, descriptions, reserved names. */
    public JsonNode maintenanceKindsDetailed() throws IOException, InterruptedException, ReconcilerApiException {
        return get("/v1/maintenance-kinds", Duration.ZERO);
    }

    /** Every configured graph's maintenance state ({@code GET /v1/graphs}). */
    public List<MaintenanceState> graphs() throws IOException, InterruptedException, ReconcilerApiException {
        List<MaintenanceState> out = new ArrayList<>();
        get("/v1/graphs", Duration.ZERO).path("graphs").forEach(n -> out.add(new MaintenanceState(n)));
        return out;
    }

    /** One graph's maintenance state, observed now ({@code GET /v1/graphs/{graph}/maintenance-state}). */
    public MaintenanceState maintenanceState(String graph) throws IOException, InterruptedException, ReconcilerApiException {
        return new MaintenanceState(get("/v1/graphs/" + enc(graph) + "/maintenance-state", Duration.ZERO));
    }

    /**
     * Starts a maintenance job and returns at once (the job may still be queued or running).
     *
     * @throws UnsupportedMaintenanceKindException if the kind is not advertised
     */
    public Job runMaintenanceAsync(String graph, String kind) throws IOException, InterruptedException, ReconcilerApiException {
        return Job.of(post("/v1/graphs/" + enc(graph) + "/maintenance/" + enc(kind), Duration.ZERO));
    }

    /**
     * {@code run_maintenance(kind)}: starts a job and waits until it finished or {@code timeout} passed.
     *
     * @return the job (check {@link Job#finished()} and {@link Job#succeeded()})
     * @throws UnsupportedMaintenanceKindException if the kind is not advertised
     */
    public Job runMaintenance(String graph, String kind, Duration timeout) throws IOException, InterruptedException, ReconcilerApiException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Job j = Job.of(post("/v1/graphs/" + enc(graph) + "/maintenance/" + enc(kind) + "?wait=" + seconds(timeout), timeout));
        return j.finished() ? j : awaitJob(j.id(), Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }

    /** A job's current state ({@code GET /v1/jobs/{id}}). */
    public Job job(String id) throws IOException, InterruptedException, ReconcilerApiException {
        return Job.of(get("/v1/jobs/" + enc(id), Duration.ZERO));
    }

    /** Every job the daemon remembers, newest first ({@code GET /v1/jobs}). */
    public List<Job> jobs() throws IOException, InterruptedException, ReconcilerApiException {
        List<Job> out = new ArrayList<>();
        get("/v1/jobs", Duration.ZERO).path("jobs").forEach(n -> out.add(Job.of(n)));
        return out;
    }

    /**
     * One long poll: the job's state once it finished or {@code wait} passed, whichever is first
     * ({@code GET /v1/jobs/{id}?wait=...}). {@link Duration#ZERO} answers at once.
     */
    public Job job(String id, Duration wait) throws IOException, InterruptedException, ReconcilerApiException {
        return Job.of(get("/v1/jobs/" + enc(id) + (wait.isZero() ? "" : "?wait=" + seconds(wait)), wait));
    }

    /** Waits (long polls) until the job finished or {@code timeout} passed; returns its last state. */
    public Job awaitJob(String id, Duration timeout) throws IOException, InterruptedException, ReconcilerApiException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Job j = job(id);
        while (!j.finished() && System.nanoTime() < deadline) {
            Duration left = Duration.ofNanos(deadline - System.nanoTime());
            Duration step = left.compareTo(Duration.ofSeconds(30)) > 0 ? Duration.ofSeconds(30) : left;
            j = Job.of(get("/v1/jobs/" + enc(id) + "?wait=" + seconds(step), step));
            if (!j.finished() && step.compareTo(Duration.ofSeconds(1)) < 0) {
                Thread.sleep(Math.max(1, step.toMillis()));
            }
        }
        return j;
    }

    /**
     * Polls the maintenance state until {@code caughtUp} or the timeout (every 250 ms).
     *
     * @return the last state seen (caught up, or not when the timeout passed)
     */
    public MaintenanceState awaitCaughtUp(String graph, Duration timeout) throws IOException, InterruptedException, ReconcilerApiException {
        long deadline = System.nanoTime() + timeout.toNanos();
        MaintenanceState s = maintenanceState(graph);
        while (!s.caughtUp() && System.nanoTime() < deadline) {
            Thread.sleep(250);
            s = maintenanceState(graph);
        }
        return s;
    }

    /**
     * Pauses the graph's background maintenance (index convergence after passes) so a harness can
     * measure before maintenance; recovery keeps running ({@code POST .../maintenance/pause}).
     *
     * @return whether it is paused now
     */
    public boolean pauseBackground(String graph) throws IOException, InterruptedException, ReconcilerApiException {
        return post("/v1/graphs/" + enc(graph) + "/maintenance/pause", Duration.ZERO).path("backgroundPaused").asBoolean();
    }

    /** Resumes the graph's background maintenance ({@code POST .../maintenance/resume}). @return whether it is paused now */
    public boolean resumeBackground(String graph) throws IOException, InterruptedException, ReconcilerApiException {
        return post("/v1/graphs/" + enc(graph) + "/maintenance/resume", Duration.ZERO).path("backgroundPaused").asBoolean();
    }

    /** Re-reads the daemon's graph list from its config file ({@code POST /v1/reload}); the answer as sent. */
    public JsonNode reload() throws IOException, InterruptedException, ReconcilerApiException {
        return post("/v1/reload", Duration.ofSeconds(30));
    }

    /** {@code GET /metrics} in Prometheus text format. */
    public String metricsText() throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/metrics")).timeout(requestTimeout).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    // ------------------------------------------------------------------------------------------

    private JsonNode get(String path, Duration wait) throws IOException, InterruptedException, ReconcilerApiException {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET(), wait);
    }

    private JsonNode post(String path, Duration wait) throws IOException, InterruptedException, ReconcilerApiException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).POST(HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return send(b, wait);
    }

    private JsonNode send(HttpRequest.Builder b, Duration wait) throws IOException, InterruptedException, ReconcilerApiException {
        HttpResponse<String> r = http.send(b.timeout(requestTimeout.plus(wait)).header("Accept", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode body;
        try {
            body = r.body() == null || r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            throw new IOException("daemon at " + base + " answered HTTP " + r.statusCode() + " with non-JSON: " + r.body(), e);
        }
        if (r.statusCode() >= 400) {
            String type = body.path("error").path("type").asText("HttpError");
            String msg = body.path("error").path("message").asText(body.toString());
            if (type.equals("UnsupportedMaintenanceKind")) {
                throw new UnsupportedMaintenanceKindException(r.statusCode(), msg, body);
            }
            throw new ReconcilerApiException(r.statusCode(), type, msg, body);
        }
        return body;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String seconds(Duration d) {
        return Math.max(0, d.toMillis()) + "ms";
    }
}
