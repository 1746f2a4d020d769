package reconciler.bench;

import reconciler.indexer.ConvergeReport;
import reconciler.indexer.IndexCoverage;
import reconciler.indexer.IndexMaintenance;
import reconciler.indexer.IndexSpecs;
import reconciler.indexer.MaintenanceOptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.lance.Dataset;
import org.lance.index.DistanceType;
import org.lance.index.IndexOptions;
import org.lance.index.IndexParams;
import org.lance.index.IndexType;
import org.lance.index.OptimizeOptions;
import org.lance.index.scalar.BitmapIndexParams;
import org.lance.index.vector.IvfBuildParams;
import org.lance.index.vector.PQBuildParams;
import org.lance.index.vector.VectorIndexParams;
import reconciler.leases.EmbeddedZooKeeper;
import reconciler.leases.LeaseManager;
import reconciler.leases.LeaseSet;
import reconciler.manifest.IndexSpec;
import reconciler.manifest.Manifest;
import reconciler.manifest.PinUpdate;
import reconciler.storage.LanceTables;
import reconciler.storage.TableKey;
import reconciler.writer.DebianImport;
import reconciler.graph.Failpoints;
import reconciler.graph.Graph;
import reconciler.writer.GraphWriter;

/**
 * Index maintenance benchmark (docs/indexes.md, "Benchmarks"). Every figure is a ratio against a
 * baseline measured in the same run on the same data:
 * <ul>
 *   <li><b>overhead</b>: time to 100% coverage through {@link IndexMaintenance#converge} ÷ the same
 *       builds with bare lance-java ({@code createIndex} committing inline; {@code optimizeIndices}
 *       for the incremental case) on an identical copy (goal ≤ 1.10);</li>
 *   <li><b>writer starvation</b>: p99 commit latency of a writer (the reference writer, phases A-D)
 *       while a large index build runs ÷ without (goal ≤ 1.2 for the staged build), and the naive
 *       variant that holds the table's lease for the whole build;</li>
 *   <li><b>coverage lag</b>: rows appended per second vs seconds until coverage is back to 100%.</li>
 * </ul>
 * Usage: {@code bin/bench index
 * [--dir DIR] [--rows N] [--fragments F] [--reps R] [--quick] [--only overhead|starvation|starvation-variants|lag]}. Set
 * {@code LANCE_LOG=error}.
 */
public final class IndexBench {

    private static final String PKG = DebianImport.PACKAGE;
    private static final String[] WORDS = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho "
            + "sigma tau upsilon phi chi psi omega library tool daemon kernel python perl font data doc dev shared utility "
            + "module plugin client server runtime headers static debug locale theme icon driver firmware").split(" ");

    private final Path dir;
    private final int rows;
    private final int fragments;
    private final int reps;
    private final EmbeddedZooKeeper zk;
    private final LeaseManager leases;
    private final BufferAllocator allocator = new RootAllocator();
    private int graphs;

    private IndexBench(Path dir, int rows, int fragments, int reps) throws Exception {
        this.dir = dir;
        this.rows = rows;
        this.fragments = fragments;
        this.reps = reps;
        this.zk = EmbeddedZooKeeper.start(dir.resolve("zk"), 0, 500);
        this.leases = new LeaseManager(zk.connectString(), Duration.ofSeconds(10), Duration.ofSeconds(15));
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "indexbench-logback.xml");
        }
        if (args.length > 0 && args[0].equals("--build-child")) {
            buildChild(args);
            return;
        }
        if (args.length > 0 && args[0].equals("--writer-child")) {
            writerChild(args);
            return;
        }
        Path dir = null;
        int rows = 40_000;
        int fragments = 20;
        int reps = 3;
        String only = "all";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--only" -> only = args[++i];
                case "--dir" -> dir = Path.of(args[++i]);
                case "--rows" -> rows = Integer.parseInt(args[++i]);
                case "--fragments" -> fragments = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--quick" -> {
                    rows = 10_000;
                    fragments = 10;
                    reps = 1;
                }
                default -> {
                    System.err.println("usage: IndexBench [--dir DIR] [--rows N] [--fragments F] [--reps R] [--quick] [--only overhead|starvation|starvation-variants|lag]");
                    System.exit(2);
                }
            }
        }
        if (dir == null) {
            dir = Files.createTempDirectory("indexbench");
        }
        IndexBench b = new IndexBench(dir, rows, fragments, reps);
        System.out.printf(Locale.ROOT, "IndexBench: %d rows in %d fragments, %d rep(s), %d cores, LANCE_CPU_THREADS=%s, dir %s%n", rows,
                fragments, reps, Runtime.getRuntime().availableProcessors(), System.getenv().getOrDefault("LANCE_CPU_THREADS", "(unset)"), dir);
        try {
            if (only.equals("all") || only.equals("overhead")) {
                b.overhead();
            }
            if (only.equals("all") || only.equals("starvation")) {
                b.starvationDefault();
            }
            if (only.equals("starvation-variants")) {
                b.starvation();
            }
            if (only.equals("all") || only.equals("lag")) {
                b.coverageLag();
            }
        } finally {
            b.leases.close();
            b.zk.close();
        }
        System.exit(0);
    }

    // ------------------------------------------------------------------ data

    private static List<Map<String, Object>> packages(int from, int n) {
        Random r = new Random(from);
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = from + i;
            StringBuilder d = new StringBuilder();
            int words = 8 + r.nextInt(8);
            for (int w = 0; w < words; w++) {
                d.append(WORDS[r.nextInt(WORDS.length)]).append(' ');
            }
            Map<String, Object> row = new HashMap<>();
            row.put("name", "pkg-" + k);
            row.put("version", "1." + k);
            row.put("section", "sec-" + (k % 50));
            row.put("description", d.toString().trim());
            row.put("embedding", DebianImport.embedding(d.toString()));
            out.add(row);
        }
        return out;
    }

    /** Only node:Package declares indexes (the four of the Debian catalog). */
    private static Map<String, List<IndexSpec>> catalog(boolean defaultTraining) {
        List<IndexSpec> pkg = new ArrayList<>(DebianImport.indexes().get(PKG));
        if (defaultTraining) {
            IndexSpec v = pkg.remove(3);
            pkg.add(new IndexSpec(v.name(), v.columns(), v.type(), v.params(), null, 0));
        }
        return Map.of(PKG, pkg);
    }

    private Graph graph(boolean defaultTraining) throws Exception {
        Graph g = Graph.local(dir.resolve("g" + (graphs++)));
        g.init("bench" + graphs, DebianImport.schema(), catalog(defaultTraining));
        return g;
    }

    private GraphWriter writer(Graph g) {
        return new GraphWriter(g, leases, "bench", Duration.ofSeconds(120), Failpoints.none());
    }

    /** {@code total} rows in {@code ops} writer operations starting at row {@code from}. */
    private void fill(Graph g, int from, int total, int ops) throws Exception {
        GraphWriter w = writer(g);
        int per = total / ops;
        for (int i = 0; i < ops; i++) {
            w.write(GraphWriter.newOperationId(), Map.of(PKG, packages(from + i * per, per)));
        }
    }

    /** The same rows as {@link #fill}, appended with bare Lance (no manifest, no lease): the baseline's copy. */
    private Graph bareCopy(int total, int ops) throws Exception {
        Graph g = graph(false);
        appendBare(g, 0, total, ops);
        return g;
    }

    private void appendBare(Graph g, int from, int total, int ops) throws Exception {
        TableKey k = TableKey.parse(PKG);
        var cols = g.manifests().require().pin(PKG).columns();
        int per = total / ops;
        for (int i = 0; i < ops; i++) {
            long head = g.tables().headVersion(k);
            g.tables().commitAppend(k, g.tables().stageAppend(k, cols, packages(from + i * per, per)), head, Map.of());
        }
    }

    private Dataset latest(Graph g) {
        return LanceTables.open(g.store(), allocator, TableKey.parse(PKG), null);
    }

    /** The four indexes with bare lance-java, each createIndex committing inline, with the catalog's parameters. */
    private static final List<String> LAST_BARE = new ArrayList<>();

    private static void bareBuild(Dataset ds, int maxIters, int sampleRate) {
        IndexSpec fts = DebianImport.indexes().get(PKG).get(2);
        LAST_BARE.clear();
        long t = System.nanoTime();
        ds.createIndex(IndexOptions.builder(List.of("name"), IndexType.BTREE, IndexSpecs.scalarParams(DebianImport.indexes().get(PKG).get(0)))
                .withIndexName("name_idx").build());
        t = lap("name_idx", t);
        ds.createIndex(IndexOptions.builder(List.of("section"), IndexType.BITMAP,
                IndexParams.builder().setScalarIndexParams(BitmapIndexParams.builder().build()).build()).withIndexName("section_idx").build());
        t = lap("section_idx", t);
        ds.createIndex(IndexOptions.builder(List.of("description"), IndexType.INVERTED, IndexSpecs.scalarParams(fts))
                .withIndexName("description_fts").build());
        t = lap("description_fts", t);
        VectorIndexParams v = VectorIndexParams.withIvfPqParams(DistanceType.L2,
                new IvfBuildParams.Builder().setNumPartitions(16).setMaxIters(maxIters).setSampleRate(sampleRate).build(),
                new PQBuildParams.Builder().setNumSubVectors(8).setNumBits(8).setMaxIters(maxIters).setSampleRate(sampleRate).build());
        ds.createIndex(IndexOptions.builder(List.of("embedding"), IndexType.IVF_PQ, IndexParams.builder().setVectorIndexParams(v).build())
                .withIndexName("embedding_ivfpq").build());
        lap("embedding_ivfpq", t);
    }

    private static long lap(String what, long t0) {
        long now = System.nanoTime();
        LAST_BARE.add(what + "=" + Math.round(ms(now - t0)));
        return now;
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }

    private static double percentile(List<Double> xs, double p) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int i = (int) Math.ceil(p * s.size()) - 1;
        return s.get(Math.max(0, Math.min(s.size() - 1, i)));
    }

    // ------------------------------------------------------------------ 1. overhead

    private void overhead() throws Exception {
        System.out.println();
        System.out.println("== overhead: time to 100% coverage, converge path vs bare lance-java (same data, same parameters)");
        List<Double> fullBare = new ArrayList<>();
        List<Double> fullConv = new ArrayList<>();
        List<Double> fullConv2 = new ArrayList<>();
        List<Double> incBare = new ArrayList<>();
        List<Double> incConv = new ArrayList<>();
        int extra = rows / 10;
        String breakdown = "";
        String bareBreakdown = "";
        for (int rep = 0; rep < reps; rep++) {
            Graph bare = bareCopy(rows, fragments);
            Graph conv = graph(false);
            fill(conv, 0, rows, fragments);
            Graph conv2 = graph(false);
            fill(conv2, 0, rows, fragments);
            IndexMaintenance convIm = new IndexMaintenance(MaintenanceOptions.defaults().maxParallelBuilds(1));
            IndexMaintenance conv2Im = new IndexMaintenance(MaintenanceOptions.defaults().maxParallelBuilds(2));
            // alternate the order so neither side always runs on a warmer cache
            for (int side = 0; side < 3; side++) {
                int which = (side + rep) % 3;
                if (which == 0) {
                    long t0 = System.nanoTime();
                    try (Dataset ds = latest(bare)) {
                        bareBuild(ds, 10, 64);
                    }
                    fullBare.add(ms(System.nanoTime() - t0));
                    if (rep == 0) {
                        bareBreakdown = List.copyOf(LAST_BARE).toString();
                    }
                } else {
                    Graph g = which == 1 ? conv : conv2;
                    IndexMaintenance im = which == 1 ? convIm : conv2Im;
                    {
                        long t0 = System.nanoTime();
                        ConvergeReport r = im.converge(g, leases);
                        double t = ms(System.nanoTime() - t0);
                        if (!r.converged()) {
                            throw new IllegalStateException("converge did not reach 100%: " + r.after().backlog());
                        }
                        (which == 1 ? fullConv : fullConv2).add(t);
                        if (which == 1 && rep == 0) {
                            breakdown = r.actions().stream().map(a -> a.index() + "=" + a.buildMillis()).toList() + " + commit/publish/coverage";
                        }
                    }
                }
            }
            // incremental: 10% more rows in one new fragment
            appendBare(bare, rows, extra, 1);
            fill(conv, rows, extra, 1);
            for (int side = 0; side < 2; side++) {
                if ((side + rep) % 2 == 0) {
                    long t0 = System.nanoTime();
                    try (Dataset ds = latest(bare)) {
                        ds.optimizeIndices(OptimizeOptions.builder().build());
                    }
                    incBare.add(ms(System.nanoTime() - t0));
                } else {
                    // the daemon's long-lived instance: the incremental segment reuses the model of the full build
                    IndexMaintenance im = convIm;
                    {
                        long t0 = System.nanoTime();
                        ConvergeReport r = im.converge(conv, leases);
                        double t = ms(System.nanoTime() - t0);
                        if (!r.converged()) {
                            throw new IllegalStateException("incremental converge did not reach 100%: " + r.after().backlog());
                        }
                        incConv.add(t);
                    }
                }
            }
            convIm.close();
            conv2Im.close();
            bare.close();
            conv.close();
            conv2.close();
        }
        System.out.printf(Locale.ROOT, "full build (4 indexes, %d rows):   bare %.0f ms, converge(1 build at a time) %.0f ms -> ratio %.3f (goal <= 1.10)%n",
                rows, median(fullBare), median(fullConv), median(fullConv) / median(fullBare));
        System.out.printf(Locale.ROOT, "                                    converge(2 builds at a time) %.0f ms -> ratio %.3f%n",
                median(fullConv2), median(fullConv2) / median(fullBare));
        System.out.println("  per index (first rep, ms): bare " + bareBreakdown + "; staged builds " + breakdown);
        System.out.printf(Locale.ROOT, "incremental (+%d rows, 1 fragment): bare optimizeIndices %.0f ms, converge %.0f ms -> ratio %.3f (goal <= 1.10)%n",
                extra, median(incBare), median(incConv), median(incConv) / median(incBare));
        System.out.printf(Locale.ROOT, "  (medians of %d; samples bare=%s conv=%s conv2=%s incBare=%s incConv=%s)%n", reps, round(fullBare),
                round(fullConv), round(fullConv2), round(incBare), round(incConv));
    }

    private static List<Long> round(List<Double> xs) {
        return xs.stream().map(Math::round).toList();
    }

    // ------------------------------------------------------------------ 2. writer starvation

    /**
     * The writer of the starvation benchmark, in its own JVM as writers are in production (so the
     * indexer process's {@code LANCE_CPU_THREADS} does not apply to it): warms up, prints
     * {@code READY}, then appends 20 rows per operation until STOPFILE exists (at least MIN, at most
     * MAX operations) and prints {@code LAT <ms>} per operation.
     */
    private static void writerChild(String[] a) throws Exception {
        Path root = Path.of(a[1]);
        String connect = a[2];
        int from = Integer.parseInt(a[3]);
        Path stop = Path.of(a[4]);
        int min = Integer.parseInt(a[5]);
        int max = Integer.parseInt(a[6]);
        try (LeaseManager lm = new LeaseManager(connect, Duration.ofSeconds(10), Duration.ofSeconds(15)); Graph g = Graph.local(root)) {
            GraphWriter w = new GraphWriter(g, lm, "bench-writer", Duration.ofSeconds(120), Failpoints.none());
            int k = from;
            for (int i = 0; i < 10; i++, k += 20) {
                w.write(GraphWriter.newOperationId(), Map.of(PKG, packages(k, 20)));
            }
            System.out.println("READY");
            System.out.flush();
            List<double[]> lat = new ArrayList<>();
            while ((!Files.exists(stop) || lat.size() < min) && lat.size() < max) {
                List<Map<String, Object>> p = packages(k, 20);
                k += 20;
                long start = System.currentTimeMillis();
                long t0 = System.nanoTime();
                w.write(GraphWriter.newOperationId(), Map.of(PKG, p));
                lat.add(new double[]{start, ms(System.nanoTime() - t0)});
            }
            for (double[] l : lat) {
                System.out.println("LAT " + (long) l[0] + " " + l[1]);
            }
        }
        System.exit(0);
    }

    /** Runs a writer child on {@code g} while {@code action} runs here; returns its commit latencies (ms). */
    /** Epoch millis of the running build: {start, end}; set by {@link #runBuildChild}. */
    private final double[] window = {0, Double.MAX_VALUE};

    private List<Double> writerDuring(Graph g, int from, int min, java.util.concurrent.Callable<?> action) throws Exception {
        // Every phase starts with no dirty pages: otherwise the writer's fsyncs also flush the data
        // the previous phase (e.g. filling the table) left in the page cache, inflating that phase only.
        works("sync"); // best effort: where sync(1) is missing the phase just starts
        Path stop = Files.createTempFile(dir, "stop", "");
        Files.delete(stop);
        String javaCmd = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(javaCmd, "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                IndexBench.class.getName(), "--writer-child", Path.of(g.store().root()).toString(), zk.connectString(), Integer.toString(from),
                stop.toString(), Integer.toString(min), "100000");
        pb.environment().remove("LANCE_CPU_THREADS");
        pb.environment().put("LANCE_LOG", "error");
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        List<Double> lat = Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.equals("READY")) {
                        ready.countDown();
                    } else if (line.startsWith("LAT ")) {
                        String[] f = line.split(" ");
                        double start = Double.parseDouble(f[1]);
                        double l = Double.parseDouble(f[2]);
                        // only operations that overlap the build (all of them when there is none)
                        if (action == null || (start < window[1] && start + l > window[0])) {
                            lat.add(l);
                        }
                    }
                }
            } catch (java.io.IOException e) {
                // child gone
            }
        });
        reader.start();
        if (!ready.await(120, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("writer child did not start");
        }
        try {
            if (action != null) {
                action.call();
            }
        } finally {
            Files.createFile(stop);
        }
        if (p.waitFor() != 0) {
            throw new IllegalStateException("writer child failed with exit code " + p.exitValue());
        }
        reader.join();
        return new ArrayList<>(lat);
    }

    /**
     * The indexer side of the starvation benchmark in its own JVM, as the daemon is in production:
     * {@code --build-child staged|naive ROOT CONNECT} runs one converge round (staged) or the naive
     * build under the lease, then prints {@code DONE <ms> <status>}.
     */
    private static void buildChild(String[] a) throws Exception {
        Path root = Path.of(a[2]);
        try (LeaseManager lm = new LeaseManager(a[3], Duration.ofSeconds(10), Duration.ofSeconds(15)); Graph g = Graph.local(root);
             BufferAllocator alloc = new RootAllocator()) {
            long t0 = System.nanoTime();
            System.out.println("START " + System.currentTimeMillis());
            System.out.flush();
            String status;
            if (a[1].equals("staged")) {
                try (IndexMaintenance im = new IndexMaintenance(MaintenanceOptions.defaults().maxParallelBuilds(1))) {
                    ConvergeReport r = im.converge(g, lm);
                    status = r.actions().isEmpty() ? "NOTHING" : r.actions().get(0).status().name();
                }
            } else if (a[1].equals("daemon-normal") || a[1].equals("daemon-default")) {
                // exactly what the daemon runs: IndexerProvider's IndexMaintenance, indexerPriority normal or low (the default)
                if (a[1].equals("daemon-normal")) {
                    reconciler.maintenance.IndexerProvider.configure(false);
                }
                IndexMaintenance im = reconciler.maintenance.IndexerProvider.maintenance();
                ConvergeReport r = im.converge(g, lm);
                status = (r.actions().isEmpty() ? "NOTHING" : r.actions().get(0).status().name())
                        + (im.worker() == null ? "" : "[worker:" + im.worker().lastPriority().replace(' ', '/') + "]");
            } else if (a[1].equals("bare")) {
                try (Dataset ds = LanceTables.open(g.store(), alloc, TableKey.parse(PKG), null)) {
                    bareBuild(ds, 50, 256);
                }
                status = "BUILT";
            } else {
                naiveBuild(g, lm, alloc);
                status = "COMMITTED";
            }
            System.out.println("DONE " + ms(System.nanoTime() - t0) + " " + status + " " + System.currentTimeMillis());
        }
        System.exit(0);
    }

    /** Runs a build child (optionally under {@code nice}) and waits for it; returns {ms, status}. */
    private String[] runBuildChild(String mode, Graph g, int nice) throws Exception {
        String javaCmd = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>();
        if (nice > 0) {
            if (haveIonice) {
                cmd.addAll(List.of("ionice", "-c", "3"));
            }
            cmd.addAll(List.of("nice", "-n", Integer.toString(nice)));
        }
        cmd.addAll(List.of(javaCmd, "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                IndexBench.class.getName(), "--build-child", mode, Path.of(g.store().root()).toString(), zk.connectString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("LANCE_LOG", "error");
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        String done = null;
        try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("START ")) {
                    window[0] = Double.parseDouble(line.substring(6));
                } else if (line.startsWith("DONE ")) {
                    done = line;
                    window[1] = Double.parseDouble(line.split(" ")[3]);
                }
            }
        }
        if (p.waitFor() != 0 || done == null) {
            throw new IllegalStateException("build child " + mode + " failed: exit " + p.exitValue());
        }
        String[] f = done.split(" ");
        return new String[]{f[1], f[2]};
    }

    private boolean haveIonice;

    private static boolean works(String... cmd) {
        try {
            return new ProcessBuilder(cmd).start().waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * The writers-first figure (issue 16): the daemon's default ({@code indexerPriority: low}) against
     * {@code normal}, alternated rep by rep; each build window is compared with a no-build window of the
     * same writer on the same table measured right before it, so a shared machine's changing load
     * cancels out of each ratio. Reports the median ratio per setting and the build times.
     */
    private void starvationDefault() throws Exception {
        System.out.println();
        System.out.println("== writers first: writer commit p99 (20-row appends, phases A-D, its own JVM) while the daemon's indexer");
        System.out.println("   (IndexerProvider.maintenance(), 2 builds at once) builds the four indexes of the table (IVF_PQ with Lance's");
        System.out.println("   default training, INVERTED, BTREE, BITMAP); ratio = p99 during the build / p99 of the same writer just before");
        haveIonice = works("ionice", "-c", "3", "true");
        String[] modes = {"daemon-normal", "daemon-default"};
        String[] labels = {"indexerPriority normal", "indexerPriority low (default)"};
        List<List<Double>> ratios = List.of(new ArrayList<>(), new ArrayList<>());
        List<List<Double>> builds = List.of(new ArrayList<>(), new ArrayList<>());
        for (int r = 0; r < reps; r++) {
            for (int j = 0; j < 2; j++) {
                int i = r % 2 == 0 ? j : 1 - j;
                Graph g = graph(true);
                fill(g, 0, rows, fragments);
                List<Double> before = writerDuring(g, 50_000_000 + (r * 2 + i) * 1_000_000, 60, null);
                String[][] res = new String[1][];
                List<Double> during = writerDuring(g, 50_500_000 + (r * 2 + i) * 1_000_000, 3, () -> {
                    res[0] = runBuildChild(modes[i], g, 0);
                    return null;
                });
                g.close();
                double ratio = percentile(during, 0.99) / percentile(before, 0.99);
                ratios.get(i).add(ratio);
                builds.get(i).add(Double.parseDouble(res[0][0]));
                System.out.printf(Locale.ROOT, "  rep %d %-30s before n=%3d p99 %7.1f ms | during n=%4d p50 %6.1f p99 %7.1f ms -> ratio %5.2f | build %5.1f s %s%n",
                        r + 1, labels[i], before.size(), percentile(before, 0.99), during.size(), percentile(during, 0.5), percentile(during, 0.99),
                        ratio, Double.parseDouble(res[0][0]) / 1000, res[0][1]);
            }
        }
        double rn = median(new ArrayList<>(ratios.get(0)));
        double rl = median(new ArrayList<>(ratios.get(1)));
        double bn = median(new ArrayList<>(builds.get(0)));
        double bl = median(new ArrayList<>(builds.get(1)));
        System.out.printf(Locale.ROOT, "  %-30s median p99 ratio %5.2f                                 median build %5.1f s%n", labels[0], rn, bn / 1000);
        System.out.printf(Locale.ROOT, "  %-30s median p99 ratio %5.2f  (goal <= 1.2: %s)            median build %5.1f s = %.2f x normal (goal <= 1.5: %s)%n",
                labels[1], rl, rl <= 1.2 ? "met" : "NOT met", bl / 1000, bl / bn, bl / bn <= 1.5 ? "met" : "NOT met");
        System.out.printf(Locale.ROOT, "  %d rep(s) per setting, alternated; machine: %d cores, load average %.1f at the end (shared with other work)%n",
                reps, Runtime.getRuntime().availableProcessors(), java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    private void starvation() throws Exception {
        System.out.println();
        System.out.println("== writer starvation: commit latency of a writer process (20-row appends, phases A-D) while the indexer process");
        System.out.println("   builds the four indexes of the table (Lance's default vector training: 50 iterations, sample rate 256);");
        System.out.println("   the indexer runs IndexerProvider.maintenance() as the daemon does (2 builds at once) unless said");
        boolean haveNice = works("nice", "-n", "1", "true");
        haveIonice = works("ionice", "-c", "3", "true");
        int big = rows;
        Graph base = graph(true);
        fill(base, 0, big, fragments);
        List<Double> alone = new ArrayList<>(writerDuring(base, 10_000_000, 100, null));
        String[] labels = {"indexerPriority normal (builds on daemon threads)", "indexerPriority low (the default)",
            "whole indexer process under nice 19 (1 build)", "bare build of another copy (contention only), nice 19",
            "naive build (lease held), nice 19"};
        String[] modes = {"daemon-normal", "daemon-default", "staged", "bare", "naive"};
        int nice = haveNice ? 19 : 0;
        int[] nices = {0, 0, nice, nice, nice};
        String[][] result = new String[modes.length][];
        List<List<Double>> during = new ArrayList<>();
        for (int i = 0; i < modes.length; i++) {
            Graph g = graph(true);
            fill(g, 0, big, fragments);
            Graph target = modes[i].equals("bare") ? bareCopy(big, fragments) : g;
            final int k = i;
            during.add(writerDuring(g, 20_000_000 + i * 1_000_000, 3, () -> {
                result[k] = runBuildChild(modes[k], target, nices[k]);
                return null;
            }));
            g.close();
            if (target != g) {
                target.close();
            }
        }
        alone.addAll(writerDuring(base, 40_000_000, 100, null));
        base.close();
        double p99a = percentile(alone, 0.99);
        double buildNormal = Double.parseDouble(result[0][0]);
        System.out.printf(Locale.ROOT, "  %-52s n=%4d p50 %7.1f ms  p99 %7.1f ms   (p95 %.0f, max %.0f ms)%n", "no build",
                alone.size(), percentile(alone, 0.5), p99a, percentile(alone, 0.95), percentile(alone, 1.0));
        for (int i = 0; i < modes.length; i++) {
            List<Double> d = during.get(i);
            double ratio = percentile(d, 0.99) / p99a;
            double build = Double.parseDouble(result[i][0]);
            String goals = i == 1 ? String.format(Locale.ROOT, "  goal p99 ratio <= 1.2: %s; build time %.2f x normal, goal <= 1.5: %s",
                    ratio <= 1.2 ? "met" : "NOT met", build / buildNormal, build / buildNormal <= 1.5 ? "met" : "NOT met") : "";
            System.out.printf(Locale.ROOT, "  %-52s n=%4d p50 %7.1f ms  p99 %7.1f ms -> p99 ratio %5.2f  (build %.1f s, %s; p95 %.0f, max %.0f ms)%s%n",
                    labels[i], d.size(), percentile(d, 0.5), percentile(d, 0.99), ratio, build / 1000, result[i][1],
                    percentile(d, 0.95), percentile(d, 1.0), goals);
        }
        double p99c = percentile(during.get(3), 0.99);
        System.out.printf(Locale.ROOT, "  protocol share (p99 ÷ the contention-only p99 at nice 19): default %.2f, whole indexer nice 19 %.2f, naive %.2f%n",
                percentile(during.get(1), 0.99) / p99c, percentile(during.get(2), 0.99) / p99c, percentile(during.get(4), 0.99) / p99c);
        if (!haveNice) {
            System.out.println("  (nice not available: the nice 19 rows ran at normal priority)");
        }
        System.out.printf(Locale.ROOT, "  machine: %d cores, load average %.1f at the end (shared: other processes compete for CPU and disk)%n",
                Runtime.getRuntime().availableProcessors(), java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    /** The naive variant: take the table's lease, build and commit inline, publish, release. */
    private static void naiveBuild(Graph g, LeaseManager lm, BufferAllocator alloc) throws Exception {
        Manifest m = g.manifests().require();
        try (LeaseSet lease = lm.acquire(m.graphId(), Graph.MAIN_BRANCH, List.of(PKG), Duration.ofSeconds(120))) {
            Manifest cur = g.manifests().require();
            long pin = cur.pin(PKG).version();
            try (Dataset ds = LanceTables.open(g.store(), alloc, TableKey.parse(PKG), pin)) {
                bareBuild(ds, 50, 256);
            }
            long head = g.tables().headVersion(TableKey.parse(PKG));
            lease.checkValid();
            // four unlabelled inline commits and no sidecar: a crash here would leave uncovered drift
            g.manifests().publish(GraphWriter.newOperationId(), Manifest.KIND_INDEX,
                    List.of(new PinUpdate(PKG, pin, head, lease.fencingToken(PKG))));
        }
    }

    // ------------------------------------------------------------------ 3. coverage lag

    private void coverageLag() throws Exception {
        System.out.println();
        System.out.println("== coverage lag: a writer appends at a steady rate for 10 s while converge rounds run back to back");
        System.out.println("   rate rows/s | rounds | lag mean / max (s): append published -> covered | catch-up after the last append (s)");
        int[] rates = {200, 1000, 5000};
        for (int rate : rates) {
            Graph g = graph(false);
            fill(g, 0, 2000, 2);
            try (IndexMaintenance im = new IndexMaintenance(MaintenanceOptions.defaults().maxParallelBuilds(2))) {
                if (!im.converge(g, leases).converged()) {
                    throw new IllegalStateException("initial converge failed");
                }
                AtomicBoolean writing = new AtomicBoolean(true);
                List<long[]> published = Collections.synchronizedList(new ArrayList<>()); // {nanos, rows so far}
                ExecutorService ex = Executors.newSingleThreadExecutor();
                Future<?> w = ex.submit(() -> {
                    GraphWriter gw = writer(g);
                    long start = System.nanoTime();
                    int batch = Math.max(1, rate / 5);
                    long total = 2000;
                    int k = 100_000;
                    for (int i = 0; System.nanoTime() - start < 10_000_000_000L; i++) {
                        long due = start + i * 200_000_000L;
                        long sleep = due - System.nanoTime();
                        if (sleep > 0) {
                            Thread.sleep(sleep / 1_000_000);
                        }
                        gw.write(GraphWriter.newOperationId(), Map.of(PKG, packages(k, batch)));
                        k += batch;
                        total += batch;
                        published.add(new long[]{System.nanoTime(), total});
                    }
                    writing.set(false);
                    return null;
                });
                List<long[]> covered = new ArrayList<>(); // {nanos, rows covered by every index}
                int rounds = 0;
                long lastAppend = 0;
                while (true) {
                    boolean stillWriting = writing.get();
                    ConvergeReport r = im.converge(g, leases);
                    rounds++;
                    long minRows = r.after().tables().stream().filter(t -> t.table().equals(PKG)).flatMap(t -> t.indexes().stream())
                            .mapToLong(IndexCoverage::rowsIndexed).min().orElse(0);
                    covered.add(new long[]{System.nanoTime(), minRows});
                    if (!stillWriting && r.converged()) {
                        break;
                    }
                    if (!stillWriting && lastAppend == 0) {
                        lastAppend = published.get(published.size() - 1)[0];
                    }
                }
                w.get();
                ex.shutdown();
                long lastPub = published.get(published.size() - 1)[0];
                List<Double> lags = new ArrayList<>();
                for (long[] p : published) {
                    for (long[] c : covered) {
                        if (c[0] >= p[0] && c[1] >= p[1]) {
                            lags.add((c[0] - p[0]) / 1e9);
                            break;
                        }
                    }
                }
                double catchUp = (covered.get(covered.size() - 1)[0] - lastPub) / 1e9;
                System.out.printf(Locale.ROOT, "   %11d | %6d | %6.2f / %6.2f  (%d appends)              | %.2f%n", rate, rounds,
                        lags.stream().mapToDouble(Double::doubleValue).average().orElse(0), lags.stream().mapToDouble(Double::doubleValue).max().orElse(0),
                        published.size(), catchUp);
            }
            g.close();
        }
    }
}
