package reconciler.bench.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.lance.Dataset;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import reconciler.client.Job;
import reconciler.client.MaintenanceState;
import reconciler.client.ReconcilerClient;
import reconciler.daemon.Config;
import reconciler.daemon.Daemon;
import reconciler.daemon.Roots;
import reconciler.leases.LeaseManager;
import reconciler.manifest.Manifest;
import reconciler.manifest.TablePin;
import reconciler.sidecar.Sidecar;
import reconciler.storage.LanceTables;
import reconciler.storage.TableKey;
import reconciler.writer.DebianArchive;
import reconciler.writer.DebianImport;
import reconciler.graph.Failpoints;
import reconciler.graph.Graph;
import reconciler.writer.GraphWriter;

/**
 * The three-phase maintenance benchmark of MemPalace RFC 001 §7.3 on the Debian graph:
 * bulk load → measure → poll until background maintenance has caught up → measure → for each
 * advertised kind, run_maintenance(kind) → measure. Each measurement is a set of query workloads
 * ({@link PointLookup}, {@link FullTextSearch}, {@link VectorTopK}) at the pinned version the
 * maintenance state describes, recorded with that maintenance state snapshot. Writes JSON and
 * prints a table.
 *
 * <p>Self-contained by default (a temporary directory, the daemon in this JVM with an embedded
 * ZooKeeper and the HTTP API on an ephemeral port, real writers); {@code --config FILE
 * --graph-root ROOT} attaches to a running daemon instead (its HTTP API and ZooKeeper; the graph
 * must be one of its graphs). The harness only ever calls the kinds the daemon advertises.
 */
@Command(name = "three-phase", mixinStandardHelpOptions = true,
        description = "Three-phase maintenance benchmark (MemPalace RFC 001 §7.3) on the Debian graph: JSON + table.")
public final class ThreePhaseBench implements Callable<Integer> {

    static final String PACKAGE = DebianImport.PACKAGE;

    @Option(names = "--dir", description = "work directory (self-contained mode; default: a new temporary directory)")
    Path dir;

    @Option(names = "--config", description = "attach to the daemon running with this config (its http and zookeeper sections)")
    Path config;

    @Option(names = "--graph-root", description = "with --config: the graph root to load and measure (one of the daemon's graphs, empty or new)")
    String graphRoot;

    @Option(names = "--source", description = "Debian package records (default: the machine's apt lists, else /var/lib/dpkg/status)")
    Path source;

    @Option(names = "--limit", defaultValue = "2000", description = "packages to bulk load (default ${DEFAULT-VALUE})")
    int limit;

    @Option(names = "--writers", defaultValue = "2", description = "concurrent writers during the bulk load (default ${DEFAULT-VALUE})")
    int writers;

    @Option(names = "--batch", defaultValue = "250", description = "packages per write operation (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--crashed-writers", defaultValue = "1",
            description = "operations left behind as writers that crashed right after writing their sidecar (default ${DEFAULT-VALUE})")
    int crashed;

    @Option(names = "--queries", defaultValue = "200", description = "measured queries per workload and phase (default ${DEFAULT-VALUE})")
    int queries;

    @Option(names = "--warmup", defaultValue = "10", description = "unmeasured queries first (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--seed", defaultValue = "42", description = "sampling seed: the same keys in every phase")
    long seed;

    @Option(names = "--caught-up-timeout", defaultValue = "5m", description = "how long to poll for 'caught up' (default ${DEFAULT-VALUE})")
    String caughtUpTimeout;

    @Option(names = "--maintenance-timeout", defaultValue = "1h", description = "how long one run_maintenance may take (default ${DEFAULT-VALUE})")
    String maintenanceTimeout;

    @Option(names = "--out", description = "JSON output file (default: <dir>/maintenance-bench.json)")
    Path out;

    /** Progress lines (stderr by default). */
    PrintStream log = System.err;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ThreePhaseBench()).execute(args));
    }

    // ------------------------------------------------------------------------------------------ report

    /**
     * The JSON output (docs/maintenance.md, "Benchmark harness").
     *
     * @param formatVersion 1
     * @param graph graph id
     * @param root graph root
     * @param startedAt ISO-8601
     * @param setup the options
     * @param bulkLoad what was loaded
     * @param advertisedKinds the kinds the daemon advertised (phase 3 runs each)
     * @param phases one entry per measurement
     */
    public record Report(int formatVersion, String graph, String root, String startedAt, Map<String, Object> setup, BulkLoad bulkLoad,
                         List<String> advertisedKinds, List<Phase> phases) {
    }

    /**
     * @param packages packages loaded
     * @param operations write operations acknowledged
     * @param writers concurrent writers
     * @param seconds wall time
     * @param crashedWriters sidecars left as crashed writers
     */
    public record BulkLoad(int packages, int operations, int writers, double seconds, int crashedWriters) {
    }

    /**
     * @param phase {@code after-bulk-load}, {@code caught-up} or {@code after-maintenance:<kind>}
     * @param at ISO-8601 start of the measurement
     * @param waitedSeconds time spent reaching the phase (polling, or the maintenance job)
     * @param job the maintenance job's JSON (phase 3), or null
     * @param maintenanceState the maintenance state snapshot the measurements belong to
     * @param pinnedVersion the node:Package version measured (the snapshot's pin)
     * @param measurements one per workload
     */
    public record Phase(String phase, String at, double waitedSeconds, JsonNode job, JsonNode maintenanceState, long pinnedVersion,
                        List<Workload.Measurement> measurements) {
    }

    // ------------------------------------------------------------------------------------------ run

    @Override
    public Integer call() throws Exception {
        Report r = run();
        Path file = out != null ? out : (dir != null ? dir : Path.of(".")).resolve("maintenance-bench.json");
        Files.writeString(file, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r) + "\n");
        printTable(System.out, r);
        System.out.println("JSON: " + file.toAbsolutePath());
        boolean ok = r.phases().stream().allMatch(p -> p.job() == null || p.job().path("state").asText().equals("succeeded"));
        return ok ? 0 : 1;
    }

    /** Runs the three phases and returns the report. */
    public Report run() throws Exception {
        Instant started = Instant.now();
        List<Workload> workloads = List.of(new PointLookup(), new FullTextSearch(), new VectorTopK());
        Daemon daemon = null;
        LeaseManager leases = null;
        try (BufferAllocator alloc = new RootAllocator()) {
            Config cfg;
            ReconcilerClient client;
            String root;
            String connect;
            if (config != null) {
                cfg = Config.load(config);
                if (graphRoot == null || !cfg.graphs.contains(graphRoot)) {
                    throw new IllegalArgumentException("--graph-root must be one of the graphs of " + config + ": " + cfg.graphs);
                }
                root = graphRoot;
                URI base = cfg.http.port == 0 ? ReconcilerClient.baseFromPortFile(Path.of(cfg.stateDir))
                        : URI.create("http://" + (cfg.http.bind.equals("0.0.0.0") ? "127.0.0.1" : cfg.http.bind) + ":" + cfg.http.port);
                client = ReconcilerClient.builder(base).token(cfg.http.tokenAvailable() ? cfg.http.token() : null).build();
                connect = cfg.zookeeper.connect.isBlank() ? "127.0.0.1:" + cfg.zookeeper.embeddedPort : cfg.zookeeper.connect;
                try (Graph g = Roots.open(root, cfg)) {
                    if (g.manifests().latest().isEmpty()) {
                        g.init("debian", DebianImport.schema());
                    }
                }
            } else {
                Path work = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("maintenance-bench-");
                dir = work;
                root = work.resolve("debian").toString();
                reconciler.daemon.ConfigBuilder b = Config.builder();
                b.graphs = new ArrayList<>(List.of(root));
                b.stateDir = work.resolve("state").toString();
                b.auditLog = work.resolve("audit.jsonl").toString();
                b.pollInterval = Duration.ofSeconds(2);
                b.leaseWait = Duration.ofSeconds(10);
                b.zookeeper.embeddedPort = freePort();
                b.zookeeper.sessionTimeout = Duration.ofSeconds(2);
                b.http.enabled = true;
                b.http.port = 0;
                byte[] t = new byte[24];
                new SecureRandom().nextBytes(t);
                String token = HexFormat.of().formatHex(t);
                b.http.withToken(token);
                cfg = b.build();
                try (Graph g = Graph.local(Path.of(root))) {
                    g.init("debian", DebianImport.schema());
                }
                daemon = new Daemon(cfg);
                daemon.start();
                client = ReconcilerClient.builder(URI.create("http://127.0.0.1:" + daemon.httpPort())).token(token).build();
                connect = daemon.coordination().leases().connectString();
                log.println("self-contained: graph " + root + ", daemon API " + client.base());
            }
            leases = new LeaseManager(connect, cfg.zookeeper.sessionTimeout, cfg.zookeeper.connectTimeout, cfg.zookeeper.digestAuth());

            try (Graph graph = Roots.open(root, cfg)) {
                String graphId = graph.manifests().require().graphId();
                // Background maintenance waits until phase 1 is measured, so "after bulk load" is before any
                // maintenance (recovery still runs: it is never paused).
                client.pauseBackground(graphId);
                // 1. bulk load
                List<DebianArchive.Package> archive = source != null ? DebianArchive.readFile(source)
                        : DebianArchive.readSystemArchive(l -> log.println("archive " + l));
                archive = archive.subList(0, Math.min(limit, archive.size()));
                BulkLoad load = bulkLoad(root, cfg, leases, archive);
                leaveCrashedWriters(graph, graphId);
                List<String> names = archive.stream().map(DebianArchive.Package::name).distinct().toList();
                List<String> terms = terms(archive);
                List<String> kinds = client.maintenanceKinds();
                log.println("advertised maintenance kinds: " + kinds);

                List<Phase> phases = new ArrayList<>();
                phases.add(measure("after-bulk-load", 0, null, client, graphId, graph, alloc, workloads, names, terms));
                client.resumeBackground(graphId);
                long t0 = System.nanoTime();
                MaintenanceState s = client.awaitCaughtUp(graphId, Config.parseDuration(caughtUpTimeout));
                double waited = (System.nanoTime() - t0) / 1e9;
                if (!s.caughtUp()) {
                    log.println("not caught up after " + caughtUpTimeout + ": " + s.notCaughtUp());
                }
                phases.add(measure("caught-up", waited, null, client, graphId, graph, alloc, workloads, names, terms));
                for (String kind : kinds) {
                    long k0 = System.nanoTime();
                    Job job = client.runMaintenance(graphId, kind, Config.parseDuration(maintenanceTimeout));
                    log.println("run_maintenance(" + kind + "): " + job.state() + (job.summary() == null ? "" : ": " + job.summary()));
                    phases.add(measure("after-maintenance:" + kind, (System.nanoTime() - k0) / 1e9, job.raw(), client, graphId, graph, alloc,
                            workloads, names, terms));
                }
                Map<String, Object> setup = new LinkedHashMap<>();
                setup.put("mode", config != null ? "attached" : "self-contained");
                setup.put("limit", limit);
                setup.put("writers", writers);
                setup.put("batch", batch);
                setup.put("crashedWriters", crashed);
                setup.put("queries", queries);
                setup.put("warmup", warmup);
                setup.put("seed", seed);
                setup.put("daemon", client.base().toString());
                return new Report(1, graphId, root, started.toString(), setup, load, kinds, phases);
            }
        } finally {
            if (leases != null) {
                leases.close();
            }
            if (daemon != null) {
                daemon.close();
            }
        }
    }

    private BulkLoad bulkLoad(String root, Config cfg, LeaseManager leases, List<DebianArchive.Package> archive) throws Exception {
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, writers));
        try {
            List<Future<Integer>> fs = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                List<DebianImport.Operation> ops = DebianImport.plan(archive, w, writers, batch);
                fs.add(pool.submit(() -> {
                    try (Graph g = Roots.open(root, cfg)) {
                        GraphWriter gw = new GraphWriter(g, leases, "bench-import", Duration.ofMinutes(2), Failpoints.none());
                        for (DebianImport.Operation op : ops) {
                            gw.write(GraphWriter.newOperationId(), op.rows());
                        }
                    }
                    return ops.size();
                }));
            }
            int n = 0;
            for (Future<Integer> f : fs) {
                n += f.get();
            }
            double s = (System.nanoTime() - t0) / 1e9;
            log.printf(Locale.ROOT, "bulk load: %d packages in %d operations by %d writers, %.1f s%n", archive.size(), n, writers, s);
            return new BulkLoad(archive.size(), n, writers, s, crashed);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Leaves sidecars exactly as writers killed right after phase A (the {@code after-sidecar} failpoint) would. */
    private void leaveCrashedWriters(Graph graph, String graphId) throws IOException {
        for (int i = 0; i < crashed; i++) {
            Manifest m = graph.manifests().require();
            TablePin pin = m.pin(PACKAGE);
            graph.sidecars().write(new Sidecar(Sidecar.FORMAT_VERSION, GraphWriter.newOperationId(), "bench-crashed", graphId, Graph.MAIN_BRANCH,
                    m.version(), GraphWriter.identity(), Instant.now(),
                    List.of(new Sidecar.SidecarTable(PACKAGE, pin.version(), pin.fencingToken()))));
        }
    }

    private Phase measure(String phase, double waited, JsonNode job, ReconcilerClient client, String graphId, Graph graph,
                          BufferAllocator alloc, List<Workload> workloads, List<String> names, List<String> terms) throws Exception {
        Instant at = Instant.now();
        MaintenanceState state = client.maintenanceState(graphId);
        long pin = -1;
        for (JsonNode t : state.raw().path("tables")) {
            if (t.path("table").asText().equals(PACKAGE)) {
                pin = t.path("pinnedVersion").asLong();
            }
        }
        if (pin < 1) {
            pin = graph.manifests().require().pin(PACKAGE).version();
        }
        List<Workload.Measurement> ms = new ArrayList<>();
        try (Dataset ds = LanceTables.open(graph.store(), alloc, TableKey.parse(PACKAGE), pin)) {
            Workload.Context ctx = new Workload.Context(ds, alloc, state, names, terms, queries, warmup, seed);
            for (Workload w : workloads) {
                String skip = w.skipReason(state);
                ms.add(skip != null ? Workload.Measurement.skipped(w.name(), skip) : w.run(ctx));
            }
        }
        log.printf(Locale.ROOT, "phase %s: manifest v%d, caughtUp=%s, %d pending sidecar(s)%n", phase, state.manifestVersion(), state.caughtUp(),
                state.pendingSidecars());
        return new Phase(phase, at.toString(), waited, job, state.raw(), pin, ms);
    }

    private static List<String> terms(List<DebianArchive.Package> archive) {
        Set<String> words = new LinkedHashSet<>();
        for (DebianArchive.Package p : archive) {
            if (p.description() == null) {
                continue;
            }
            for (String w : p.description().toLowerCase(Locale.ROOT).split("[^a-z]+")) {
                if (w.length() >= 5 && w.length() <= 12) {
                    words.add(w);
                }
            }
            if (words.size() >= 5000) {
                break;
            }
        }
        return List.copyOf(words);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The readable table: one row per phase and workload. */
    public static void printTable(PrintStream out, Report r) {
        out.printf("maintenance benchmark: graph %s (%d packages, %d operations, %d writer(s), %.1f s), advertised kinds %s%n", r.graph(),
                r.bulkLoad().packages(), r.bulkLoad().operations(), r.bulkLoad().writers(), r.bulkLoad().seconds(), r.advertisedKinds());
        out.printf("%-28s %8s %6s %7s %-13s %6s %9s %9s %9s %6s %6s%n", "phase", "manifest", "caught", "pending", "workload", "n",
                "p50 ms", "p95 ms", "p99 ms", "hits", "recall");
        for (Phase p : r.phases()) {
            JsonNode s = p.maintenanceState();
            for (Workload.Measurement m : p.measurements()) {
                if (m.skipped() != null) {
                    out.printf("%-28s %8s %6s %7d %-13s skipped: %s%n", p.phase(), "v" + s.path("manifestVersion").asLong(),
                            s.path("caughtUp").asBoolean() ? "yes" : "no", s.path("sidecars").path("pending").asInt(), m.workload(),
                            shorten(m.skipped()));
                    continue;
                }
                out.printf(Locale.ROOT, "%-28s %8s %6s %7d %-13s %6d %9.3f %9.3f %9.3f %6d %6s%n", p.phase(),
                        "v" + s.path("manifestVersion").asLong(), s.path("caughtUp").asBoolean() ? "yes" : "no",
                        s.path("sidecars").path("pending").asInt(), m.workload(), m.latencyMs().count(), m.latencyMs().p50(),
                        m.latencyMs().p95(), m.latencyMs().p99(), m.hits(), m.recall() == null ? "-" : String.format(Locale.ROOT, "%.3f", m.recall()));
            }
        }
    }

    private static String shorten(String s) {
        int i = s.indexOf(';');
        return i > 0 ? s.substring(0, i) : s;
    }
}
