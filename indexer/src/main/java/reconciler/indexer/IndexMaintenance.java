package reconciler.indexer;

import java.io.IOException;
import java.util.Optional;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.lance.Dataset;
import org.lance.index.Index;
import org.lance.operation.CreateIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reconciler.leases.LeaseManager;
import reconciler.manifest.IndexSpec;
import reconciler.manifest.Manifest;
import reconciler.manifest.TablePin;
import reconciler.sidecar.SidecarEntry;
import reconciler.storage.TableKey;
import reconciler.graph.Graph;

/**
 * The indexer's API (docs/indexes.md): index coverage of a graph at its pins, one converge round
 * (staged builds outside the lease, sidecar-protected commit and publish under it), compaction,
 * pin-aware cleanup, and catalog changes. One instance per process (the daemon's): it owns the
 * bounded build pool ({@link MaintenanceOptions#maxParallelBuilds()} builds at once across every
 * graph), the progress of builds in flight, and an in-process lock per table so a compaction and
 * an index build of one table never overlap (Lance would make one of them fail). Thread-safe.
 *
 * <p>Nothing here schedules itself: the daemon calls {@link #converge}, {@link #compact} and
 * {@link #cleanup} when it sees fit (after a publish, on its poll). Every method takes the same
 * ZooKeeper leases as writers, so it is safe beside live writers, other daemons and the CLI.
 */
public final class IndexMaintenance implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IndexMaintenance.class);

    /** Writer kinds of the indexer's sidecars. */
    public static final String KIND_INDEX_BUILD = "index-build";
    public static final String KIND_INDEX_DROP = "index-drop";
    public static final String KIND_COMPACTION = "compaction";

    /** A pending sidecar older than this is taken for a crashed writer's (converge skips its tables until recovery). */
    static final java.time.Duration STALE_SIDECAR = java.time.Duration.ofSeconds(30);

    /** Prefix of the Lance tags cleanup puts on versions retained manifests pin. */
    public static final String PIN_TAG_PREFIX = "reconciler-pin-";

    private final MaintenanceOptions options;
    private final BufferAllocator allocator = new RootAllocator();
    private final ExecutorService pool;
    private final Map<String, ProgressTracker> building = new ConcurrentHashMap<>();
    private final Map<String, ReentrantLock> tableLocks = new ConcurrentHashMap<>();
    /** Trained vector models by graph root, table, index and definition (reused by incremental builds). */
    private final Map<String, IndexBuilder.VectorModel> models = new ConcurrentHashMap<>();
    private final IndexCatalog catalog;

    /** With {@link MaintenanceOptions#defaults()}. */
    public IndexMaintenance() {
        this(MaintenanceOptions.defaults());
    }

    public IndexMaintenance(MaintenanceOptions options) {
        this.options = options.copy();
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(this.options.maxParallelBuilds(), r -> {
            Thread t = new Thread(r, "indexer-build-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.catalog = new IndexCatalog(this.options, allocator);
    }

    /**
     * Where staged builds and compaction rewrites run: in a low-priority child process
     * ({@link LowPriorityWorker}, the daemon's default: writers first), or with null in this
     * process's threads (the library's default). Commits, sidecars and publishes always run here.
     */
    public void setWorker(LowPriorityWorker worker) {
        this.worker = worker;
    }

    /** The low-priority worker in use, or null (builds run in this process). */
    public LowPriorityWorker worker() {
        return worker;
    }

    private volatile LowPriorityWorker worker;

    /** The options in force (a copy). */
    public MaintenanceOptions options() {
        return options.copy();
    }

    // ------------------------------------------------------------------ coverage

    /**
     * Index coverage of every table at the latest manifest's pins: metadata only (fragments and
     * index descriptions of the pinned versions), no scans, no leases, nothing written.
     *
     * @throws IOException if the manifest cannot be read
     */
    public GraphCoverage coverage(Graph graph) throws IOException {
        Manifest m = graph.manifests().require();
        return CoverageReader.read(graph, m, allocator, building(m.graphId()));
    }

    /** Builds (and compactions) in flight in this process, every graph. */
    public List<BuildProgress> progress() {
        return building.values().stream().map(ProgressTracker::snapshot).toList();
    }

    private Map<String, BuildProgress> building(String graphId) {
        Map<String, BuildProgress> out = new HashMap<>();
        building.forEach((k, v) -> {
            BuildProgress p = v.snapshot();
            if (p.graphId().equals(graphId)) {
                out.put(p.table() + "/" + p.index(), p);
            }
        });
        return out;
    }

    private ReentrantLock tableLock(Graph graph, String table) {
        return tableLocks.computeIfAbsent(graph.store().root() + "|" + table, k -> new ReentrantLock());
    }

    // ------------------------------------------------------------------ converge

    /**
     * One converge round: for every table whose declared indexes are not all covered at its pin,
     * build what is missing (full), uncovered (incremental: only the new fragments, an extra
     * segment) or drifted (rebuild, removing the old segments in the same commit) as staged
     * segments on the pinned snapshot, outside any lease and without moving Lance HEAD, at most
     * {@link MaintenanceOptions#maxParallelBuilds()} at once; then commit each table's segments in
     * one {@code CreateIndex} transaction under the table's lease, protected by an
     * {@code index-build} sidecar, and publish the new pin. Tables covered by a pending sidecar
     * are skipped (the reconciler first). Returns when the round is done; call again (e.g. after
     * the next publish) to catch up with rows appended meanwhile.
     *
     * @throws IOException if the manifest or sidecars cannot be read
     * @throws IndexFailpoints.Crash from a test failpoint (the in-process stand-in for a crash)
     */
    public ConvergeReport converge(Graph graph, LeaseManager leases) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Manifest m = graph.manifests().require();
        List<IndexAction> actions = new ArrayList<>();
        // A sidecar younger than STALE_SIDECAR most likely belongs to a live writer between its phases A
        // and D: build anyway (outside the lease), the commit takes the lease after the writer. An older
        // one is a crashed writer's: recovery first, do not waste a build that could not be committed.
        Set<String> covered = new HashSet<>();
        java.time.Instant staleBefore = java.time.Instant.now().minus(STALE_SIDECAR);
        for (SidecarEntry e : graph.sidecars().list(m)) {
            if (e instanceof SidecarEntry.Valid v && v.sidecar().createdAt().isBefore(staleBefore)) {
                covered.addAll(v.sidecar().tableKeys());
            }
        }
        Map<String, List<Future<IndexBuilder.Built>>> futures = new LinkedHashMap<>();
        Map<String, List<IndexBuilder.Task>> tasksByTable = new LinkedHashMap<>();
        Map<String, ReentrantLock> held = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, TablePin> e : m.tables().entrySet()) {
                String table = e.getKey();
                TablePin pin = e.getValue();
                if (pin.indexes().isEmpty()) {
                    continue;
                }
                List<IndexBuilder.Task> tasks;
                try (Dataset ds = LanceAccess.open(allocator, graph, TableKey.parse(table), pin.version())) {
                    TableCoverage tc = CoverageReader.table(ds, table, pin, Map.of());
                    tasks = plan(m.graphId(), tc, pin, ds);
                }
                if (tasks.isEmpty()) {
                    continue;
                }
                if (covered.contains(table)) {
                    tasks.forEach(t -> actions.add(action(t, null, CommitStatus.SKIPPED, null, 0, "table is covered by a pending sidecar: recovery first")));
                    continue;
                }
                ReentrantLock lock = tableLock(graph, table);
                if (!lock.tryLock()) {
                    tasks.forEach(t -> actions.add(action(t, null, CommitStatus.SKIPPED, null, 0, "another maintenance operation on this table is running here")));
                    continue;
                }
                held.put(table, lock);
                tasksByTable.put(table, tasks);
                List<Future<IndexBuilder.Built>> fs = new ArrayList<>();
                for (IndexBuilder.Task t : tasks) {
                    String key = m.graphId() + "|" + table + "/" + t.spec().name();
                    ProgressTracker tracker = new ProgressTracker(m.graphId(), table, t.spec().name(), t.rows());
                    building.put(key, tracker);
                    LOG.info("graph {}: {} build of {} on {} at version {} queued ({} rows in {} fragments)", m.graphId(), t.mode(),
                            t.spec().name(), table, t.buildVersion(), t.rows(), t.fragments().size());
                    fs.add(pool.submit(() -> {
                        LowPriorityWorker w = worker;
                        if (w != null) {
                            return w.build(graph, t, options, tracker, models, modelKey(graph, table, t.spec()));
                        }
                        try (Dataset ds = LanceAccess.open(allocator, graph, TableKey.parse(table), t.buildVersion())) {
                            return IndexBuilder.build(ds, t, options, tracker, models, modelKey(graph, table, t.spec()));
                        }
                    }));
                }
                futures.put(table, fs);
            }
            for (Map.Entry<String, List<Future<IndexBuilder.Built>>> e : futures.entrySet()) {
                String table = e.getKey();
                List<IndexBuilder.Task> tasks = tasksByTable.get(table);
                List<IndexBuilder.Built> built = new ArrayList<>();
                for (int i = 0; i < tasks.size(); i++) {
                    try {
                        built.add(e.getValue().get(i).get());
                    } catch (ExecutionException x) {
                        Throwable c = x.getCause();
                        LOG.warn("graph {}: staged build of {} on {} failed: {}", m.graphId(), tasks.get(i).spec().name(), table, c.toString());
                        actions.add(action(tasks.get(i), null, CommitStatus.FAILED, null, 0, "staged build failed: " + firstLine(c)));
                        building.remove(m.graphId() + "|" + table + "/" + tasks.get(i).spec().name());
                    }
                }
                if (built.isEmpty()) {
                    continue;
                }
                try {
                    built.forEach(b -> tracker(m.graphId(), b).ifPresent(t -> t.phase("committing")));
                    commitBuilt(graph, leases, table, built, actions);
                } finally {
                    built.forEach(b -> building.remove(m.graphId() + "|" + table + "/" + b.task().spec().name()));
                }
            }
        } finally {
            for (Map.Entry<String, List<Future<IndexBuilder.Built>>> e : futures.entrySet()) {
                for (Future<IndexBuilder.Built> f : e.getValue()) {
                    if (!f.isDone()) {
                        f.cancel(false);
                    }
                }
            }
            held.values().forEach(ReentrantLock::unlock);
            tasksByTable.forEach((table, ts) -> ts.forEach(t -> building.remove(m.graphId() + "|" + table + "/" + t.spec().name())));
        }
        GraphCoverage after = coverage(graph);
        return new ConvergeReport(m.graphId(), actions, after, (System.nanoTime() - t0) / 1_000_000);
    }

    private static String modelKey(Graph graph, String table, IndexSpec spec) {
        return graph.store().root() + "|" + table + "|" + spec.name() + "|" + spec.type() + spec.params() + "@" + spec.declaredAt();
    }

    private java.util.Optional<ProgressTracker> tracker(String graphId, IndexBuilder.Built b) {
        return java.util.Optional.ofNullable(building.get(graphId + "|" + b.task().table() + "/" + b.task().spec().name()));
    }

    /** The builds a table's coverage calls for. */
    static List<IndexBuilder.Task> plan(String graphId, TableCoverage tc, TablePin pin, Dataset ds) {
        LinkedHashMap<Integer, Long> frags = LanceAccess.fragmentRows(ds);
        frags.values().removeIf(rows -> rows == 0);
        List<IndexBuilder.Task> out = new ArrayList<>();
        for (IndexCoverage ic : tc.indexes()) {
            if (!ic.declared()) {
                continue;
            }
            IndexSpec spec = pin.index(ic.index());
            List<Index> segs = LanceAccess.segments(ds, ic.index());
            Set<UUID> uuids = new HashSet<>();
            segs.forEach(s -> uuids.add(s.uuid()));
            switch (ic.state()) {
                case MISSING -> out.add(new IndexBuilder.Task(graphId, tc.table(), spec, IndexBuilder.Mode.FULL, pin.version(), frags, List.of(), uuids));
                case DRIFTED -> out.add(new IndexBuilder.Task(graphId, tc.table(), spec, IndexBuilder.Mode.REBUILD, pin.version(), frags, segs, uuids));
                case PARTIAL -> {
                    LinkedHashMap<Integer, Long> uncovered = new LinkedHashMap<>();
                    for (Integer f : ic.uncoveredFragments()) {
                        if (frags.containsKey(f)) {
                            uncovered.put(f, frags.get(f));
                        }
                    }
                    if (!uncovered.isEmpty()) {
                        out.add(new IndexBuilder.Task(graphId, tc.table(), spec, IndexBuilder.Mode.INCREMENTAL, pin.version(), uncovered, List.of(), uuids));
                    }
                }
                default -> {
                    // COVERED, EMPTY, TOO_FEW_ROWS: nothing to do
                }
            }
        }
        return out;
    }

    /** Commits a table's staged segments (one CreateIndex) under its lease, with an index-build sidecar. */
    private void commitBuilt(Graph graph, LeaseManager leases, String table, List<IndexBuilder.Built> built, List<IndexAction> actions)
            throws IOException, InterruptedException {
        long buildVersion = built.get(0).task().buildVersion();
        List<IndexBuilder.Built> keep = new ArrayList<>();
        Map<IndexBuilder.Built, String> stale = new LinkedHashMap<>();
        TableKey key = TableKey.parse(table);
        TableCommit.Effect effect = new TableCommit.Effect() {
            @Override
            public String precheck(Manifest m, TablePin pin) {
                keep.clear();
                stale.clear();
                try (Dataset cur = LanceAccess.open(allocator, graph, key, pin.version())) {
                    Set<Integer> fragsNow = LanceAccess.fragmentRows(cur).keySet();
                    for (IndexBuilder.Built b : built) {
                        IndexSpec now = pin.index(b.task().spec().name());
                        Set<UUID> segsNow = new HashSet<>();
                        LanceAccess.segments(cur, b.task().spec().name()).forEach(s -> segsNow.add(s.uuid()));
                        if (now == null) {
                            stale.put(b, "no longer declared in the catalog");
                        } else if (!now.sameDefinition(b.task().spec()) || now.declaredAt() != b.task().spec().declaredAt()) {
                            stale.put(b, "its definition changed in the catalog since the build");
                        } else if (!segsNow.equals(b.task().segmentsAtBuild())) {
                            stale.put(b, "its segments changed since the build");
                        } else if (!fragsNow.containsAll(b.task().fragments().keySet())) {
                            stale.put(b, "fragments it covers were rewritten since the build (compaction)");
                        } else {
                            keep.add(b);
                        }
                    }
                }
                return keep.isEmpty() ? "nothing left to commit: " + String.join("; ", stale.values()) : null;
            }

            @Override
            public long commit(long pin, Map<String, String> properties, String operationId) {
                List<Index> added = new ArrayList<>();
                List<Index> removed = new ArrayList<>();
                for (IndexBuilder.Built b : keep) {
                    added.addAll(b.segments());
                    removed.addAll(b.task().removed());
                }
                CreateIndex.Builder op = CreateIndex.builder().withNewIndices(added);
                if (!removed.isEmpty()) {
                    op.withRemovedIndices(removed);
                }
                try (Dataset ds = LanceAccess.open(allocator, graph, key, buildVersion);
                     Dataset committed = ds.newTransactionBuilder().readVersion(buildVersion).operation(op.build())
                             .transactionProperties(properties).build().commit()) {
                    return committed.version();
                }
            }
        };
        TableCommit.Outcome o = TableCommit.run(graph, leases, table, KIND_INDEX_BUILD, Manifest.KIND_INDEX, options, effect);
        LOG.info("graph root {} table {}: index commit {}: {}", graph.store().root(), table, o.status(), o.message());
        for (IndexBuilder.Built b : built) {
            if (stale.containsKey(b)) {
                actions.add(action(b.task(), b, CommitStatus.SKIPPED, null, 0, "built but not committed: " + stale.get(b)));
            } else if (o.status() == CommitStatus.SKIPPED && keep.isEmpty() && stale.isEmpty()) {
                actions.add(action(b.task(), b, CommitStatus.SKIPPED, o.operationId(), 0, o.message()));
            } else {
                actions.add(action(b.task(), b, o.status(), o.operationId(), o.manifestVersion(), o.message()));
            }
        }
    }

    private static IndexAction action(IndexBuilder.Task t, IndexBuilder.Built b, CommitStatus status, String op, long manifest, String msg) {
        return new IndexAction(t.table(), t.spec().name(), t.mode().name(), t.rows(), t.fragments().size(),
                b == null ? 0 : b.segments().size(), b == null ? 0 : b.millis(), status, op, manifest, msg);
    }

    static String firstLine(Throwable t) {
        String m = String.valueOf(t.getMessage());
        int nl = m.indexOf('\n');
        return t.getClass().getSimpleName() + ": " + (nl < 0 ? m : m.substring(0, nl));
    }

    // ------------------------------------------------------------------ compaction

    /**
     * Whether each table of the latest manifest needs compaction under this instance's thresholds (the
     * rule {@link #compact} applies), with the figures: table key → {@code [needed, why]}. Metadata only.
     *
     * @throws IOException if the manifest cannot be read
     */
    public Map<String, Map.Entry<Boolean, String>> compactionNeeded(Graph graph) throws IOException {
        Manifest m = graph.manifests().require();
        Map<String, Map.Entry<Boolean, String>> out = new java.util.TreeMap<>();
        for (Map.Entry<String, TablePin> e : m.tables().entrySet()) {
            Compactor.Need n = Compactor.need(graph, e.getKey(), e.getValue(), options, allocator);
            out.put(e.getKey(), Map.entry(n.needed(), n.why()));
        }
        return out;
    }

    /**
     * One compaction round: for every table past the thresholds
     * ({@link MaintenanceOptions#minSmallFragments()} small fragments, or a fragment with
     * {@link MaintenanceOptions#deletedRowRatio()} deleted rows) plans with
     * {@code Compaction.planCompaction} on the pinned version, executes the tasks outside any lease,
     * then under the table's lease (with a {@code compaction} sidecar) commits a labelled marker and
     * the compaction (ReserveFragments + Rewrite; indexes are remapped) and publishes the new pin.
     *
     * @throws IOException if the manifest cannot be read
     */
    public CompactionReport compact(Graph graph, LeaseManager leases) throws IOException, InterruptedException {
        Manifest m = graph.manifests().require();
        List<CompactionReport.TableCompaction> out = new ArrayList<>();
        for (Map.Entry<String, TablePin> e : m.tables().entrySet()) {
            ReentrantLock lock = tableLock(graph, e.getKey());
            if (!lock.tryLock()) {
                out.add(new CompactionReport.TableCompaction(e.getKey(), CompactionReport.Status.SKIPPED, "another maintenance operation on this table is running here",
                        0, 0, 0, e.getValue().version(), e.getValue().version(), null, 0, 0));
                continue;
            }
            try {
                out.add(Compactor.compactTable(graph, leases, m.graphId(), e.getKey(), e.getValue(), options, allocator, pool, building, worker));
            } finally {
                lock.unlock();
            }
        }
        return new CompactionReport(m.graphId(), out);
    }

    // ------------------------------------------------------------------ cleanup

    /**
     * Removes old Lance versions of every table, never one that a retained manifest version pins
     * (the newest {@link MaintenanceOptions#retainManifestVersions()} and those published within
     * {@link MaintenanceOptions#retainAge()}), nor the latest pin or anything after it (HEAD), nor
     * versions tagged or on branches by others. Retained pins below the latest one are protected with
     * Lance tags {@code reconciler-pin-<version>}; tags of pins that left retention are removed.
     * Runs per table under the table's lease and never while a sidecar covers the table.
     * Unverified files go only after Lance's 7-day window unless
     * {@link MaintenanceOptions#deleteUnverified()}.
     *
     * @throws IOException if the manifests cannot be read
     */
    public CleanupReport cleanup(Graph graph, LeaseManager leases) throws IOException, InterruptedException {
        return Cleaner.cleanup(graph, leases, options, allocator);
    }

    // ------------------------------------------------------------------ catalog

    /**
     * Declares (or redefines) an index in the table's catalog: validated and completed with
     * default parameters ({@link IndexSpecs#normalize}), published as a catalog-only manifest
     * version ({@code kind: catalog}) under the table's lease with its fencing token. No sidecar:
     * a catalog-only publish has no Lance effect, so there is nothing to roll forward or back (it is
     * one atomic create-only manifest object, and the fencing token keeps a stale holder out). A
     * redefinition (other type, column or parameters) is declared at the current pin, which makes
     * older segments drift (rebuild); changing only options keeps the declaration.
     *
     * @throws IllegalArgumentException if the table does not exist or the declaration is invalid
     */
    public CatalogResult addIndex(Graph graph, LeaseManager leases, String table, IndexSpec spec) throws IOException, InterruptedException {
        return catalog.addIndex(graph, leases, table, spec);
    }

    /**
     * Removes an index: first from the catalog (a catalog-only publish, as {@link #addIndex}), then,
     * if Lance still has an index of that name at the pin, drops it with a sidecar-protected
     * {@code index-drop} operation (a {@code CreateIndex} transaction removing its segments, committed
     * at pin + 1 and published). Idempotent: run it again after a crash between the two steps.
     * Converge never drops undeclared indexes on its own.
     *
     * @throws IllegalArgumentException if the table does not exist
     */
    public CatalogResult dropIndex(Graph graph, LeaseManager leases, String table, String name) throws IOException, InterruptedException {
        return catalog.dropIndex(graph, leases, table, name);
    }

    @Override
    public void close() {
        LowPriorityWorker w = worker;
        if (w != null) {
            w.destroyLive();
        }
        pool.shutdownNow();
        try {
            pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        allocator.close();
    }
}
