package reconciler.graph;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reconciler.leases.GraphEvents;
import reconciler.leases.LeaseException;
import reconciler.leases.LeaseManager;
import reconciler.leases.LeaseSet;
import reconciler.manifest.FencedOffException;
import reconciler.manifest.Manifest;
import reconciler.manifest.ManifestConflictException;
import reconciler.manifest.PinUpdate;
import reconciler.manifest.TablePin;
import reconciler.sidecar.Sidecar;
import reconciler.sidecar.SidecarEntry;
import reconciler.storage.CommitLabel;
import reconciler.storage.TableKey;

/**
 * The writer's side of protocol v1 (docs/protocol.md, "Writer phases"), the one place it lives:
 * given writes already staged outside any lease, it
 * <ol>
 *   <li>A: takes the tables' leases in sorted order; re-reads the manifest; refuses if a pending or
 *       refused sidecar covers a table ({@link RecoveryRequiredException}), if a write bound to its
 *       read version finds the pin moved ({@link ManifestConflictException}), or if a table's HEAD is
 *       not its pin ({@link DriftException}); writes the sidecar;</li>
 *   <li>B: commits each table once, in sorted order, carrying the operation id and fencing token
 *       as transaction properties, checking the lease before each commit and that it landed at
 *       pin + 1;</li>
 *   <li>C: publishes the manifest (compare-and-swap, fencing-checked);</li>
 *   <li>D: deletes the sidecar and releases the leases.</li>
 * </ol>
 * Any failure after the sidecar write leaves the sidecar for the reconciler and surfaces as
 * {@link RecoveryRequiredException}. Failpoints ({@link Failpoints}) sit between the steps.
 */
public final class CommitWindow {

    private static final Logger LOG = LoggerFactory.getLogger(CommitWindow.class);

    private final Graph graph;
    private final LeaseManager leases;
    private final Duration leaseTimeout;
    private final Failpoints failpoints;

    /** @param leaseTimeout how long to wait for the tables' leases */
    public CommitWindow(Graph graph, LeaseManager leases, Duration leaseTimeout, Failpoints failpoints) {
        this.graph = graph;
        this.leases = leases;
        this.leaseTimeout = leaseTimeout;
        this.failpoints = failpoints;
    }

    /**
     * An acknowledged operation.
     *
     * @param operationId the operation's ULID
     * @param manifestVersion the manifest version that published it
     * @param versions the Lance version each table's commit landed at, by table key
     */
    public record Committed(String operationId, long manifestVersion, SortedMap<String, Long> versions) {
    }

    /**
     * Runs phases A–D for one operation.
     *
     * @param graphId the graph's id (from the manifest the writes were staged against; a root's id never changes)
     * @param writerKind recorded in the sidecar (e.g. {@code import}, an application's name)
     * @param writes one per table, at most one per table
     * @return the acknowledged result, returned only after the manifest publish
     * @throws RecoveryRequiredException if a pending or refused sidecar covers a table (nothing written), or the
     *     operation failed after writing its own sidecar (the reconciler rolls it forward or back)
     * @throws DriftException if a table's HEAD is ahead of its pin and no sidecar covers it (nothing written)
     * @throws ManifestConflictException if a write bound to its read version finds the pin moved (nothing written; stage again)
     * @throws LeaseException if the leases cannot be taken in time (nothing written)
     * @throws IOException on a storage error before the sidecar write (nothing written)
     */
    public Committed run(String graphId, String operationId, String writerKind, List<TableWrite> writes) throws RecoveryRequiredException,
            DriftException, ManifestConflictException, LeaseException, IOException, InterruptedException {
        SortedMap<String, TableWrite> byTable = new TreeMap<>();
        for (TableWrite w : writes) {
            if (byTable.put(w.tableKey(), w) != null) {
                throw new IllegalArgumentException("operation " + operationId + " writes table " + w.tableKey() + " twice");
            }
        }
        if (byTable.isEmpty()) {
            throw new IllegalArgumentException("operation " + operationId + " touches no table");
        }
        try (LeaseSet lease = leases.acquire(graphId, graph.branch(), byTable.keySet(), leaseTimeout)) {
            checkBranchListed();
            Manifest m = graph.manifests().require();
            checkSidecars(m, byTable.keySet());
            lease.ensureTokensAbove(recordedTokens(m, byTable.keySet())); // after a ZooKeeper data loss (docs/leases.md)
            List<Sidecar.SidecarTable> sidecarTables = new ArrayList<>();
            for (TableWrite w : byTable.values()) {
                TablePin pin = m.pin(w.tableKey());
                if (!java.util.Objects.equals(pin.lanceBranch(), graph.lanceBranch())) {
                    throw new IllegalStateException("table " + w.tableKey() + " is not forked onto branch " + graph.branch()
                            + " (stage the write through GraphTransaction, which forks it first)");
                }
                if (w.write().boundToReadVersion() && pin.version() != w.stagedAt()) {
                    throw new ManifestConflictException(m.graphId(), w.tableKey(), w.stagedAt(), pin.version(), m.version());
                }
                long head = graph.tables().headVersion(TableKey.parse(w.tableKey()));
                if (head != pin.version()) {
                    throw new DriftException("uncovered drift on table " + w.tableKey() + " of graph " + m.graphId() + ": Lance HEAD is "
                            + head + " but manifest v" + m.version() + " pins " + pin.version()
                            + "; no pending sidecar covers it (run 'reconciler status' and repair by hand)");
                }
                sidecarTables.add(new Sidecar.SidecarTable(w.tableKey(), pin.version(), lease.fencingToken(w.tableKey())));
            }
            lease.checkValid();
            failpoints.hit("before-sidecar", operationId); // after the last lease check: a stall here outlives the lease
            Sidecar sidecar = new Sidecar(Sidecar.FORMAT_VERSION, operationId, writerKind, m.graphId(), graph.branch(),
                    m.version(), identity(), Instant.now(), sidecarTables);
            graph.sidecars().write(sidecar);
            GraphEvents.signalChange(leases.session(), m.graphId());
            failpoints.hit("after-sidecar", operationId);
            try {
                return afterSidecar(operationId, lease, m, sidecar, byTable);
            } catch (RecoveryRequiredException e) {
                throw e;
            } catch (Exception e) {
                throw new RecoveryRequiredException(operationId, "operation " + operationId + " failed after its sidecar was written ("
                        + e.getMessage() + "); the reconciler will roll it forward or back", e);
            }
        }
    }

    private Committed afterSidecar(String operationId, LeaseSet lease, Manifest m, Sidecar sidecar, SortedMap<String, TableWrite> writes)
            throws Exception {
        List<PinUpdate> updates = new ArrayList<>();
        SortedMap<String, Long> versions = new TreeMap<>();
        int k = 0;
        for (Sidecar.SidecarTable t : sidecar.tables()) {
            lease.checkValid();
            failpoints.hit("before-commit:" + (k + 1), operationId);
            long landed = graph.tables().commit(TableKey.parse(t.tableKey()), writes.get(t.tableKey()).write(), t.expectedVersion(),
                    CommitLabel.writer(operationId, t.fencingToken()).properties());
            if (landed != t.expectedVersion() + 1) {
                throw new RecoveryRequiredException(operationId, "commit of " + t.tableKey() + " landed at version " + landed
                        + ", expected " + (t.expectedVersion() + 1) + "; someone committed concurrently", null);
            }
            updates.add(new PinUpdate(t.tableKey(), t.expectedVersion(), landed, t.fencingToken()));
            versions.put(t.tableKey(), landed);
            k++;
            failpoints.hit("after-commit:" + k, operationId);
        }
        lease.checkValid();
        failpoints.hit("before-publish", operationId);
        Manifest published;
        try {
            published = graph.manifests().publish(operationId, Manifest.KIND_WRITE, updates);
        } catch (FencedOffException | ManifestConflictException e) {
            throw new RecoveryRequiredException(operationId, "publish of operation " + operationId + " refused: " + e.getMessage(), e);
        }
        GraphEvents.signalChange(leases.session(), m.graphId());
        failpoints.hit("after-publish", operationId);
        try {
            graph.sidecars().delete(operationId);
        } catch (IOException e) {
            LOG.warn("operation {} published as manifest v{} but its sidecar could not be deleted: {}", operationId,
                    published.version(), e.getMessage());
        }
        failpoints.hit("after-sidecar-delete", operationId);
        return new Committed(operationId, published.version(), versions);
    }

    /**
     * Under the leases: the branch is still listed by main (a writer never writes a sidecar for a deleted
     * branch; branch delete takes the same leases).
     *
     * @throws BranchNotFoundException if main no longer lists it
     */
    void checkBranchListed() throws IOException {
        if (graph.branchRecord() == null) {
            return;
        }
        Manifest main = graph.main().manifests().require();
        if (!graph.branchRecord().equals(main.branches().get(graph.branch()))) {
            throw new BranchNotFoundException(main.graphId(), graph.branch(), main.branches().keySet());
        }
    }

    /**
     * The first-touch fork of {@code table} onto this branch's Lance branch, as its own small operation
     * (writer kind {@value #FORK_KIND}): under the table's lease on the branch, a sidecar, then the Lance
     * branch created at the pinned version of the pin's location, then a publish moving the pin onto it
     * (kind {@code fork}, same version), then the sidecar delete. A crash in between leaves the sidecar: the
     * reconciler rolls it back (deletes the fork, which pins nothing yet) or finishes it (docs/protocol.md
     * "Branches"). Failpoints: {@code fork-after-sidecar}, {@code fork-after-branch}, {@code fork-after-publish}.
     *
     * @return the table's pin after the fork (unchanged if another writer forked it first)
     * @throws RecoveryRequiredException if a sidecar covers the table, or the fork failed after its sidecar
     */
    public TablePin fork(String graphId, String table) throws RecoveryRequiredException, LeaseException, IOException, InterruptedException {
        String lance = graph.lanceBranch();
        if (lance == null) {
            throw new IllegalStateException("main's tables are never forked");
        }
        String operationId = OperationIds.next();
        try (LeaseSet lease = leases.acquire(graphId, graph.branch(), java.util.Set.of(table), leaseTimeout)) {
            checkBranchListed();
            Manifest m = graph.manifests().require();
            TablePin pin = m.pin(table);
            if (lance.equals(pin.lanceBranch())) {
                return pin;
            }
            checkSidecars(m, java.util.Set.of(table));
            long token = lease.fencingToken(table);
            lease.checkValid();
            Sidecar sidecar = new Sidecar(Sidecar.FORMAT_VERSION, operationId, FORK_KIND, m.graphId(), graph.branch(), m.version(),
                    identity(), Instant.now(), List.of(new Sidecar.SidecarTable(table, pin.version(), token)));
            graph.sidecars().write(sidecar);
            GraphEvents.signalChange(leases.session(), m.graphId());
            try {
                failpoints.hit("fork-after-sidecar", operationId);
                lease.checkValid();
                graph.main().tables().branches().create(TableKey.parse(table), pin.lanceBranch(), pin.version(), lance);
                failpoints.hit("fork-after-branch", operationId);
                lease.checkValid();
                TablePin forked = pin.onLanceBranch(lance);
                Manifest pub = graph.manifests().publishPins(operationId, Manifest.KIND_FORK, java.util.Map.of(table, pin),
                        java.util.Map.of(table, forked), java.util.Map.of(table, token));
                failpoints.hit("fork-after-publish", operationId);
                graph.sidecars().delete(operationId);
                return pub.pin(table);
            } catch (Exception e) {
                throw new RecoveryRequiredException(operationId, "fork of " + table + " onto branch " + graph.branch() + " failed after its"
                        + " sidecar was written (" + e.getMessage() + "); the reconciler will reclaim it", e);
            }
        }
    }

    /** The writer kind of a first-touch fork's sidecar. */
    public static final String FORK_KIND = "branch-fork";

    private void checkSidecars(Manifest m, java.util.Set<String> tables) throws IOException, RecoveryRequiredException {
        Optional<SidecarEntry> blocking = graph.sidecars().blocking(m, tables);
        if (blocking.isPresent() && blocking.get() instanceof SidecarEntry.Corrupt c) {
            throw new RecoveryRequiredException(null, "refusing to write: " + c.reason(), null);
        }
        if (blocking.isPresent() && blocking.get() instanceof SidecarEntry.Valid v) {
            Sidecar s = v.sidecar();
            String t = s.tableKeys().stream().filter(tables::contains).findFirst().orElseThrow();
            throw new RecoveryRequiredException(s.operationId(), "table " + t + " is covered by pending sidecar "
                    + v.key() + " (operation " + s.operationId() + "); the reconciler must heal it before this write", null);
        }
    }

    /** This process as recorded in sidecars. */
    public static Sidecar.WriterIdentity identity() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown";
        }
        return new Sidecar.WriterIdentity(host, ProcessHandle.current().pid());
    }

    /**
     * The fencing tokens {@code m} records for {@code tables} (those it pins): a lease's tokens must
     * exceed them ({@link LeaseSet#ensureTokensAbove}), even after ZooKeeper lost its counters.
     */
    public static Map<String, Long> recordedTokens(Manifest m, java.util.Collection<String> tables) {
        Map<String, Long> out = new java.util.HashMap<>();
        for (String t : tables) {
            TablePin p = m.tables().get(t);
            if (p != null) {
                out.put(t, p.fencingToken());
            }
        }
        return out;
    }
}
