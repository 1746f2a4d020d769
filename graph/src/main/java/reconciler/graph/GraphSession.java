package reconciler.graph;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import reconciler.leases.GraphEvents;
import reconciler.leases.LeaseException;
import reconciler.leases.LeaseManager;
import reconciler.leases.LeaseSet;
import reconciler.manifest.Manifest;
import reconciler.manifest.ManifestConflictException;
import reconciler.manifest.TablePin;
import reconciler.sidecar.SidecarEntry;
import reconciler.storage.ColumnSpec;
import reconciler.storage.GraphStores;
import reconciler.storage.S3Settings;
import reconciler.storage.TableKey;

/**
 * An application's handle on one graph: storage, the ZooKeeper session its leases live in, and
 * the ways to write ({@link #begin}) and read ({@link #snapshot}). The one thing an application
 * needs to take part in the protocol the reconciler daemon heals (docs/library.md).
 *
 * <pre>{@code
 * try (GraphSession g = GraphSession.open("/var/lib/graphs/social", GraphSession.Options.defaults())) {
 *     g.createTable("node:Person", schema);
 *     try (GraphTransaction tx = g.begin("my-app")) { tx.append("node:Person", rows); tx.commit(); }
 *     try (GraphSnapshot s = g.snapshot(); ScanResult r = s.scan("node:Person", List.of(), "age > 30", 0)) { ... }
 * }
 * }</pre>
 *
 * <p>Thread-safe: several threads may each run their own transaction and snapshots.
 */
public final class GraphSession implements AutoCloseable {

    /**
     * How to reach the graph's coordination and storage.
     *
     * @param zookeeper ZooKeeper connect string (optionally with a chroot); the reconciler daemon's embedded server
     *     listens on {@code 127.0.0.1:2281} by default
     * @param sessionTimeout ZooKeeper session timeout: a dead writer's leases vanish after it
     * @param connectTimeout how long to wait for the first connection
     * @param leaseTimeout how long a commit waits for its tables' leases
     * @param s3 settings for {@code s3://} roots, or null for local roots (or the AWS defaults)
     * @param digestAuth {@code user:password} for ZooKeeper digest auth, or null
     * @param failpoints crash points for tests ({@link Failpoints#none()} in applications)
     * @param livenessDir the daemon's {@code livenessDir} on this host (e.g. {@code /run/reconciler}), or null: with it, a
     *     daemon on the same host breaks this process's leases the moment it dies instead of after {@code sessionTimeout}
     *     (docs/leases.md)
     */
    public record Options(String zookeeper, Duration sessionTimeout, Duration connectTimeout, Duration leaseTimeout, S3Settings s3,
                          String digestAuth, Failpoints failpoints, java.nio.file.Path livenessDir) {
        /** The embedded server of a daemon on this host, 10 s sessions, 30 s lease waits, no failpoints. */
        public static Options defaults() {
            return new Options("127.0.0.1:2281", Duration.ofSeconds(10), Duration.ofSeconds(15), Duration.ofSeconds(30), null, null,
                    Failpoints.none(), null);
        }

        /** These options with another connect string. */
        public Options withZookeeper(String connect) {
            return new Options(connect, sessionTimeout, connectTimeout, leaseTimeout, s3, digestAuth, failpoints, livenessDir);
        }

        /** These options with S3 settings for {@code s3://} roots. */
        public Options withS3(S3Settings settings) {
            return new Options(zookeeper, sessionTimeout, connectTimeout, leaseTimeout, settings, digestAuth, failpoints, livenessDir);
        }

        /** These options with another lease wait. */
        public Options withLeaseTimeout(Duration timeout) {
            return new Options(zookeeper, sessionTimeout, connectTimeout, timeout, s3, digestAuth, failpoints, livenessDir);
        }

        /** These options with the local liveness directory shared with the daemon on this host (null: none). */
        public Options withLivenessDir(java.nio.file.Path dir) {
            return new Options(zookeeper, sessionTimeout, connectTimeout, leaseTimeout, s3, digestAuth, failpoints, dir);
        }

        /** These options with failpoints (tests). */
        public Options withFailpoints(Failpoints f) {
            return new Options(zookeeper, sessionTimeout, connectTimeout, leaseTimeout, s3, digestAuth, f, livenessDir);
        }
    }

    private final Graph graph;
    private final LeaseManager leases;
    private final Options options;
    private final boolean owns;

    private GraphSession(Graph graph, LeaseManager leases, Options options, boolean owns) {
        this.graph = graph;
        this.leases = leases;
        this.options = options;
        this.owns = owns;
    }

    /**
     * Opens a graph root ({@code /path}, {@code file://…} or {@code s3://bucket/prefix}) and a ZooKeeper
     * session. The root need not be a graph yet ({@link #init}).
     *
     * @throws LeaseException if ZooKeeper cannot be reached within {@link Options#connectTimeout}
     * @throws IllegalArgumentException for a malformed URI
     */
    public static GraphSession open(String uri, Options options) throws LeaseException {
        Graph graph = new Graph(GraphStores.open(uri, options.s3()));
        try {
            LeaseManager leases = new LeaseManager(options.zookeeper(), options.sessionTimeout(), options.connectTimeout(), options.digestAuth());
            if (options.livenessDir() != null) {
                leases.enableLiveness(options.livenessDir());
            }
            return new GraphSession(graph, leases, options, true);
        } catch (LeaseException | RuntimeException e) {
            graph.close();
            throw e;
        }
    }

    /** A session over parts the caller owns and closes (the reconciler's own tools). */
    public static GraphSession over(Graph graph, LeaseManager leases, Options options) {
        return new GraphSession(graph, leases, options, false);
    }

    /** The graph root (storage, manifests, sidecars, tables). */
    public Graph graph() {
        return graph;
    }

    /** The ZooKeeper leases this session writes under. */
    public LeaseManager leases() {
        return leases;
    }

    /**
     * Makes the root a graph: manifest version 1 with the given tables (empty), created from Arrow schemas.
     *
     * @param tables table key → schema (every field's type must be one {@link ColumnSpec} supports)
     * @throws IllegalStateException if the root already has a manifest
     * @throws IllegalArgumentException for a bad table key, column name or type
     * @throws IOException on a storage error
     */
    public Manifest init(String graphId, Map<String, Schema> tables) throws IOException {
        Map<String, java.util.List<ColumnSpec>> columns = new TreeMap<>();
        tables.forEach((k, s) -> columns.put(k, columns(k, s)));
        return graph.init(graphId, columns);
    }

    /**
     * Adds a table to the graph, published as its own manifest version ({@link Manifest#KIND_CREATE_TABLE}), under the
     * table's lease. Crash-safe without a sidecar: a crash between the Lance create and the publish leaves an empty
     * dataset no manifest pins, which a retried create adopts.
     *
     * @return the manifest that added it
     * @throws ManifestConflictException if the table exists
     * @throws IllegalStateException if a dataset exists at the table's path with commits (data outside the protocol)
     * @throws IllegalArgumentException for a bad table key, column name or type
     * @throws LeaseException if the table's lease cannot be taken
     * @throws IOException on a storage error
     */
    public Manifest createTable(String table, Schema schema) throws IOException, ManifestConflictException, LeaseException,
            InterruptedException {
        TableKey key = TableKey.parse(table);
        java.util.List<ColumnSpec> cols = columns(table, schema);
        Manifest m = graph.manifests().require();
        if (m.tables().containsKey(table)) {
            throw ManifestConflictException.tableSet(m.graphId(), table, m.version(), "exists already");
        }
        try (LeaseSet lease = leases.acquire(m.graphId(), Graph.MAIN_BRANCH, Set.of(table), options.leaseTimeout())) {
            long v = graph.tables().createIfAbsent(key, reconciler.storage.LanceTables.arrowSchema(cols));
            if (v != 1) {
                throw new IllegalStateException("a dataset with " + v + " versions already exists at " + graph.store().tableUri(key)
                        + " but no manifest of graph " + m.graphId() + " pins it: data written outside the protocol; move it away first");
            }
            lease.checkValid();
            Manifest published = graph.manifests().publishTables(OperationIds.next(), Manifest.KIND_CREATE_TABLE,
                    Map.of(table, new TablePin(v, lease.fencingToken(table), cols)), Set.of());
            GraphEvents.signalChange(leases.session(), m.graphId());
            return published;
        }
    }

    /**
     * Removes a table from the graph (published as {@link Manifest#KIND_DROP_TABLE}); its Lance data stays on
     * storage until an operator removes it. Refused while a pending sidecar names the table.
     *
     * @throws ManifestConflictException if the table does not exist
     * @throws RecoveryRequiredException if a pending sidecar names the table
     * @throws LeaseException if the table's lease cannot be taken
     * @throws IOException on a storage error
     */
    public Manifest dropTable(String table) throws IOException, ManifestConflictException, RecoveryRequiredException, LeaseException,
            InterruptedException {
        Manifest m = graph.manifests().require();
        try (LeaseSet lease = leases.acquire(m.graphId(), Graph.MAIN_BRANCH, Set.of(table), options.leaseTimeout())) {
            Manifest cur = graph.manifests().require();
            java.util.Optional<SidecarEntry> blocking = graph.sidecars().blocking(cur, Set.of(table));
            if (blocking.isPresent()) { // a refused sidecar may cover anything: no write while one exists (docs/protocol.md)
                throw new RecoveryRequiredException(blocking.get() instanceof SidecarEntry.Valid v ? v.sidecar().operationId() : null,
                        "table " + table + " is covered by " + (blocking.get() instanceof SidecarEntry.Valid ? "pending" : "refused")
                        + " sidecar " + blocking.get().key() + "; the reconciler must heal it before the table is dropped", null);
            }
            lease.checkValid();
            Manifest published = graph.manifests().publishTables(OperationIds.next(), Manifest.KIND_DROP_TABLE, Map.of(), Set.of(table));
            GraphEvents.signalChange(leases.session(), m.graphId());
            return published;
        }
    }

    private static java.util.List<ColumnSpec> columns(String table, Schema schema) {
        TableKey.parse(table);
        java.util.List<ColumnSpec> cols = new java.util.ArrayList<>();
        for (Field f : schema.getFields()) {
            cols.add(ColumnSpec.of(f));
        }
        if (cols.isEmpty()) {
            throw new IllegalArgumentException("table " + table + " needs at least one column");
        }
        return cols;
    }

    /**
     * Begins a transaction against the latest manifest.
     *
     * @param writerKind who writes (recorded in the sidecar and the audit)
     * @throws IOException if the manifest cannot be read
     */
    public GraphTransaction begin(String writerKind) throws IOException {
        return new GraphTransaction(graph, leases, writerKind, options.leaseTimeout(), options.failpoints());
    }

    /**
     * Begins a transaction on branch {@code branch} ({@code main} or one main's manifest lists), against the
     * branch's latest manifest. The first write to a table on a branch forks the table onto the branch's Lance
     * branch (its own small operation, {@link CommitWindow#fork}); untouched tables are read at the fork point.
     *
     * @throws BranchNotFoundException if main does not list the branch
     * @throws IOException if a manifest cannot be read
     */
    public GraphTransaction begin(String writerKind, String branch) throws IOException {
        return new GraphTransaction(graph.onBranch(branch), leases, writerKind, options.leaseTimeout(), options.failpoints());
    }

    /** Create, list, delete and merge branches of this graph. */
    public GraphBranches branches() {
        return new GraphBranches(graph, leases, options.leaseTimeout(), options.failpoints());
    }

    /** A snapshot at the latest manifest version. @throws IOException if it cannot be read */
    public GraphSnapshot snapshot() throws IOException {
        return graph.snapshot();
    }

    /**
     * A snapshot of branch {@code branch} at its latest manifest version, or at {@code version} of its sequence.
     *
     * @param version a version of the branch's own sequence, or null for its latest
     * @throws BranchNotFoundException if main does not list the branch
     * @throws IOException if it cannot be read
     */
    public GraphSnapshot snapshot(String branch, Long version) throws IOException {
        Graph view = graph.onBranch(branch);
        return version == null ? view.snapshot() : view.snapshot(version);
    }

    /**
     * A snapshot at manifest version {@code version} (time travel, as far as cleanup has kept the pinned versions).
     *
     * @throws IllegalArgumentException if that manifest version does not exist
     * @throws IOException if it cannot be read
     */
    public GraphSnapshot snapshot(long version) throws IOException {
        return graph.snapshot(version);
    }

    @Override
    public void close() {
        if (owns) {
            try {
                leases.close();
            } finally {
                graph.close();
            }
        }
    }
}
