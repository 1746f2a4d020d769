package reconciler.http;

import static reconciler.http.Requests.graphNotFound;
import static reconciler.http.Requests.notFound;
import static reconciler.http.Requests.query;
import static reconciler.http.Requests.requireMethod;
import static reconciler.http.Requests.segments;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reconciler.maintenance.Durations;
import reconciler.maintenance.GraphNotFoundException;
import reconciler.maintenance.MaintenanceHost;
import reconciler.maintenance.MaintenanceJob;
import reconciler.maintenance.MaintenanceKind;
import reconciler.maintenance.MaintenanceService;
import reconciler.maintenance.MaintenanceState;
import reconciler.maintenance.ReloadRefusedException;
import reconciler.maintenance.ReloadResult;
import reconciler.maintenance.TooManyJobsException;
import reconciler.maintenance.UnsupportedMaintenanceKindException;

/**
 * The daemon's HTTP API (docs/maintenance.md): maintenance kinds, graphs and their maintenance
 * state, maintenance jobs, reload, metrics. JDK {@code com.sun.net.httpserver} with
 * {@code sun.net.httpserver.nodelay=true} and a bounded pool of {@code http.threads} threads.
 * Binds {@code http.bind} (127.0.0.1 by default). Mutating endpoints ({@code POST}) require
 * {@code Authorization: Bearer <token>} (see {@link BearerAuth}); without a configured token they
 * are refused. One log line per mutating request (DEBUG for reads); never the token.
 */
public final class HttpApiServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpApiServer.class);

    /** Compact JSON; instants as ISO-8601 strings. */
    static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();

    private static final String JSON_TYPE = "application/json; charset=utf-8";
    /** A request must be fully received within this (the JDK server's maxReqTime). */
    static final long REQUEST_TIMEOUT_SECONDS = 10;
    /** No endpoint reads a body: a larger one is refused (413) unread; a smaller one is drained after routing. */
    static final long MAX_BODY_BYTES = 64 * 1024;
    /** Request paths in log lines are cut to this many characters. */
    static final int LOGGED_PATH_CHARS = 200;

    private final MaintenanceHost host;
    private final MaintenanceService maintenance;
    private final HttpSettings cfg;
    private final BearerAuth auth;
    private final MetricsExport metrics;
    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final Semaphore waiters;
    private final Path portFile;

    private HttpApiServer(MaintenanceService maintenance, MaintenanceHost host, HttpSettings cfg, BearerAuth auth, HttpServer server,
            ThreadPoolExecutor executor, Path portFile) {
        this.host = host;
        this.maintenance = maintenance;
        this.cfg = cfg;
        this.auth = auth;
        this.metrics = new MetricsExport(host.metrics());
        this.server = server;
        this.executor = executor;
        this.waiters = new Semaphore(Math.max(1, cfg.threads() - 1));
        this.portFile = portFile;
    }

    /**
     * Starts the server for a daemon: binds, writes {@link HttpSettings#portFile()} and logs the address.
     *
     * @param maintenance the kinds, jobs and maintenance state served under {@code /v1}
     * @param host the daemon: member id, graphs, metrics, reload
     * @param c the {@code http:} settings; a null token with a non-empty {@code tokenEnv} turns mutating endpoints off, with a warning
     * @throws IOException if the address cannot be bound
     */
    public static HttpApiServer start(MaintenanceService maintenance, MaintenanceHost host, HttpSettings c) throws IOException {
        // Read before the JVM's first HttpServer.create (dependencies.md §6). maxReqTime closes a connection whose
        // request is not fully received in time, so half-open clients cannot hold every handler thread.
        System.setProperty("sun.net.httpserver.nodelay", System.getProperty("sun.net.httpserver.nodelay", "true"));
        System.setProperty("sun.net.httpserver.maxReqTime", System.getProperty("sun.net.httpserver.maxReqTime",
                Long.toString(REQUEST_TIMEOUT_SECONDS)));
        String token = c.token();
        if (token == null && c.tokenEnv() != null && !c.tokenEnv().isBlank()) {
            // Recovery must not stop for an API token: serve reads, refuse mutations (403) and say why.
            LOG.warn("config key 'http.tokenEnv' names environment variable {}, which is unset or empty: "
                    + "mutating HTTP endpoints are OFF (403) until it is set and the daemon restarted", c.tokenEnv());
        }
        BearerAuth auth = token == null ? null : new BearerAuth(token);
        HttpServer server = HttpServer.create(new InetSocketAddress(c.bind(), c.port()), 64);
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor ex = new ThreadPoolExecutor(c.threads(), c.threads(), 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(256),
                r -> {
                    Thread t = new Thread(r, "reconciler-http-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.CallerRunsPolicy());
        server.setExecutor(ex);
        Path portFile = c.portFile();
        HttpApiServer api = new HttpApiServer(maintenance, host, c, auth, server, ex, portFile);
        server.createContext("/", api::handle);
        server.start();
        int port = server.getAddress().getPort();
        try {
            Files.createDirectories(portFile.getParent());
            Path tmp = portFile.resolveSibling(".http.port." + ProcessHandle.current().pid());
            Files.writeString(tmp, port + "\n");
            Files.move(tmp, portFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.warn("cannot write {}: {}", portFile, e.toString());
        }
        LOG.info("HTTP API listening on http://{}:{} (port also in {}); mutating endpoints {}", c.bind(), port, portFile,
                auth == null ? "OFF (no http.tokenEnv)" : "require a bearer token");
        return api;
    }

    /** The bound port. */
    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            String content = Files.exists(portFile) ? Files.readString(portFile).strip() : "";
            if (content.equals(Integer.toString(port()))) {
                Files.deleteIfExists(portFile);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("port file cleanup: {}", e.toString());
        }
        LOG.info("HTTP API stopped");
    }

    // ------------------------------------------------------------------------------------------

    /** A response: status, JSON body (or raw bytes), extra headers. */
    private record Response(int status, Object body, byte[] raw, String contentType, Map<String, String> headers) {
        static Response json(int status, Object body) {
            return new Response(status, body, null, JSON_TYPE, Map.of());
        }
    }

    private void handle(HttpExchange ex) {
        long t0 = System.nanoTime();
        String method = ex.getRequestMethod();
        boolean head = "HEAD".equals(method);
        String path = ex.getRequestURI().getRawPath();
        Response r;
        try (InputStream in = ex.getRequestBody()) {
            String length = ex.getRequestHeaders().getFirst("Content-Length");
            if (length != null && length.chars().allMatch(Character::isDigit) && length.length() < 19 && Long.parseLong(length) > MAX_BODY_BYTES) {
                throw new ApiException(413, "PayloadTooLarge", "no endpoint takes a request body; at most " + MAX_BODY_BYTES + " bytes are read");
            }
            r = route(ex, head ? "GET" : method, path); // authorization is checked here, before any body is read
            if (in.readNBytes((int) MAX_BODY_BYTES + 1).length > MAX_BODY_BYTES) { // bodies are not used; drain for keep-alive
                ex.getResponseHeaders().set("Connection", "close");
            }
        } catch (ApiException e) {
            Map<String, String> h = Map.of();
            if (e.status() == 401) {
                h = Map.of("WWW-Authenticate", "Bearer realm=\"reconciler\"");
            } else if (e.status() == 405) {
                h = Map.of("Allow", String.valueOf(((Map<?, ?>) e.body().get("error")).get("allowed")));
            }
            r = new Response(e.status(), e.body(), null, JSON_TYPE, h);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            r = Response.json(503, new ApiException(503, "ShuttingDown", "the daemon is stopping").body());
        } catch (Exception | LinkageError e) {
            LOG.error("http {} {} failed: {}", method, path.length() > LOGGED_PATH_CHARS ? path.substring(0, LOGGED_PATH_CHARS) : path, e.toString());
            r = Response.json(500, new ApiException(500, "InternalError", e.toString()).body());
        }
        String logged = path.length() > LOGGED_PATH_CHARS ? path.substring(0, LOGGED_PATH_CHARS) + "...(" + path.length() + " chars)" : path;
        try {
            send(ex, r, head);
        } catch (IOException e) {
            LOG.debug("http {} {}: client went away: {}", method, logged, e.toString());
        } finally {
            ex.close();
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        String client = ex.getRemoteAddress() == null ? "?" : ex.getRemoteAddress().getAddress().getHostAddress();
        if ("GET".equals(method) && r.status() < 400) {
            LOG.debug("http {} {} -> {} ({} ms) from {}", method, logged, r.status(), ms, client);
        } else {
            LOG.info("http {} {} -> {} ({} ms) from {}", method, logged, r.status(), ms, client);
        }
    }

    private void send(HttpExchange ex, Response r, boolean head) throws IOException {
        byte[] body = r.raw();
        if (body == null) {
            body = (JSON.writeValueAsString(r.body()) + "\n").getBytes(StandardCharsets.UTF_8);
        }
        ex.getResponseHeaders().set("Content-Type", r.contentType());
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        r.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        if (head) {
            ex.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
        }
        ex.sendResponseHeaders(r.status(), body.length == 0 || head ? -1 : body.length);
        if (body.length > 0 && !head) {
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        }
    }

    private Response route(HttpExchange ex, String method, String rawPath) throws Exception {
        List<String> p = segments(rawPath);
        Map<String, String> q = query(ex.getRequestURI().getRawQuery());
        // GET /healthz
        if (p.equals(List.of("healthz"))) {
            requireMethod(method, "GET");
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("status", "ok");
            m.put("member", host.memberId());
            m.put("graphs", host.graphs().size());
            return Response.json(200, m);
        }
        // GET /readyz
        if (p.equals(List.of("readyz"))) {
            requireMethod(method, "GET");
            reconciler.maintenance.Readiness.Report r;
            try {
                r = reconciler.maintenance.Readiness.of(host, q.get("graph"));
            } catch (java.util.NoSuchElementException e) {
                throw new ApiException(404, "GraphNotFound", e.getMessage());
            }
            return Response.json(r.ready() ? 200 : 503, r);
        }
        // GET /metrics
        if (p.equals(List.of("metrics"))) {
            requireMethod(method, "GET");
            String accept = ex.getRequestHeaders().getFirst("Accept");
            if ("json".equals(q.get("format")) || (accept != null && accept.contains("application/json") && !accept.contains("text/plain"))) {
                return Response.json(200, metrics.json());
            }
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            metrics.writeText(bos);
            return new Response(200, null, bos.toByteArray(), MetricsExport.textContentType(), Map.of());
        }
        if (p.isEmpty() || !p.get(0).equals("v1")) {
            throw notFound(rawPath);
        }
        List<String> v = p.subList(1, p.size());
        // GET /v1/maintenance-kinds
        if (v.equals(List.of("maintenance-kinds"))) {
            requireMethod(method, "GET");
            List<MaintenanceService.KindView> kinds = maintenance.kinds();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kinds", kinds.stream().map(MaintenanceService.KindView::name).toList());
            m.put("details", kinds);
            m.put("reserved", new java.util.TreeMap<>(MaintenanceKind.RESERVED));
            return Response.json(200, m);
        }
        // GET /v1/graphs
        if (v.equals(List.of("graphs"))) {
            requireMethod(method, "GET");
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("observedAt", Instant.now().toString());
            m.put("graphs", maintenance.states());
            return Response.json(200, m);
        }
        // GET /v1/graphs/{graph}/maintenance-state
        if (v.size() == 3 && v.get(0).equals("graphs") && v.get(2).equals("maintenance-state")) {
            requireMethod(method, "GET");
            try {
                MaintenanceState s = maintenance.state(v.get(1));
                return Response.json(200, s);
            } catch (GraphNotFoundException e) {
                throw graphNotFound(e);
            }
        }
        // POST /v1/graphs/{graph}/maintenance/pause|resume (background maintenance; recovery is never paused)
        if (v.size() == 4 && v.get(0).equals("graphs") && v.get(2).equals("maintenance") && List.of("pause", "resume").contains(v.get(3))) {
            requireMethod(method, "POST");
            authorize(ex);
            try {
                return Response.json(200, Map.of("graph", v.get(1), "backgroundPaused", host.pauseBackground(v.get(1), v.get(3).equals("pause"))));
            } catch (java.util.NoSuchElementException e) {
                throw new ApiException(404, "GraphNotFound", e.getMessage());
            }
        }
        // POST /v1/graphs/{graph}/maintenance/{kind}
        if (v.size() == 4 && v.get(0).equals("graphs") && v.get(2).equals("maintenance")) {
            requireMethod(method, "POST");
            authorize(ex);
            Duration wait = Requests.waitParam(q, cfg.maxWait());
            MaintenanceJob job;
            try {
                job = maintenance.submit(v.get(1), v.get(3));
            } catch (UnsupportedMaintenanceKindException e) {
                Map<String, Object> extra = new LinkedHashMap<>();
                extra.put("kind", e.kind());
                extra.put("advertised", e.advertised());
                throw new ApiException(400, "UnsupportedMaintenanceKind", e.getMessage(), extra);
            } catch (GraphNotFoundException e) {
                throw graphNotFound(e);
            } catch (TooManyJobsException e) {
                throw new ApiException(429, "TooManyJobs", e.getMessage());
            }
            boolean finished = await(job, wait);
            return new Response(finished ? 200 : 202, job.view(), null, JSON_TYPE, Map.of("Location", "/v1/jobs/" + job.id()));
        }
        // GET /v1/jobs
        if (v.equals(List.of("jobs"))) {
            requireMethod(method, "GET");
            return Response.json(200, Map.of("jobs", maintenance.jobs(q.get("graph")).stream().map(MaintenanceJob::view).toList()));
        }
        // GET /v1/jobs/{id}
        if (v.size() == 2 && v.get(0).equals("jobs")) {
            requireMethod(method, "GET");
            Duration wait = Requests.waitParam(q, cfg.maxWait());
            MaintenanceJob job = maintenance.job(v.get(1)).orElseThrow(() -> new ApiException(404, "JobNotFound",
                    "no maintenance job '" + v.get(1) + "' (unknown, or finished long ago)", Map.of("job", v.get(1))));
            await(job, wait);
            return Response.json(200, job.view());
        }
        // POST /v1/reload
        if (v.equals(List.of("reload"))) {
            requireMethod(method, "POST");
            authorize(ex);
            try {
                ReloadResult r = host.reloadGraphs();
                return Response.json(200, r);
            } catch (ReloadRefusedException e) {
                throw new ApiException(400, "ConfigError", e.getMessage());
            }
        }
        throw notFound(rawPath);
    }

    private boolean await(MaintenanceJob job, Duration wait) throws InterruptedException {
        if (wait.isZero() || job.state().finished()) {
            return job.state().finished();
        }
        // at most threads-1 requests hold a thread while waiting, so reads always get one
        if (!waiters.tryAcquire()) {
            return job.state().finished();
        }
        try {
            return job.await(wait);
        } finally {
            waiters.release();
        }
    }

    private void authorize(HttpExchange ex) throws ApiException {
        if (auth == null) {
            throw new ApiException(403, "MutationsDisabled",
                    "mutating endpoints are off: no bearer token is configured (config key 'http.tokenEnv')");
        }
        if (!auth.matches(ex.getRequestHeaders().getFirst("Authorization"))) {
            throw new ApiException(401, "Unauthorized", "missing or wrong bearer token (Authorization: Bearer <token>)");
        }
    }
}
