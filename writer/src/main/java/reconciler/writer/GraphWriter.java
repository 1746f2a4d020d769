package reconciler.writer;

import com.github.f4b6a3.ulid.UlidCreator;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.lance.FragmentMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
import reconciler.storage.CommitProperties;
import reconciler.storage.TableKey;

/**
 * The reference writer: appends rows to several tables of a graph as one atomic operation,
 * following the writer phases of protocol v1 (docs/protocol.md):
 * <ol>
 *   <li>stage data files for every table (no lease needed, nothing visible);</li>
 *   <li>A: take the tables' leases in sorted order; refuse if a pending sidecar covers a table,
 *       a corrupt sidecar exists, or a table's HEAD is not its pin (drift); write the sidecar;</li>
 *   <li>B: commit each table (sorted) with the operation id and fencing token as transaction
 *       properties, checking the lease before each commit and that the commit landed at pin + 1;</li>
 *   <li>C: publish the manifest (compare-and-swap, fencing-checked);</li>
 *   <li>D: delete the sidecar; release the leases.</li>
 * </ol>
 * Any failure after the sidecar write leaves the sidecar for the reconciler and surfaces as
 * {@link RecoveryRequiredException}.
 */
public final class GraphWriter {

    private static final Logger LOG = LoggerFactory.getLogger(GraphWriter.class);

    private final Graph graph;
    private final LeaseManager leases;
    private final String writerKind;
    private final Duration leaseTimeout;
    private final Failpoints failpoints;

    /**
     * @param writerKind recorded in the sidecar (e.g. {@code import})
     * @param leaseTimeout how long to wait for the tables' leases
     */
    public GraphWriter(Graph graph, LeaseManager leases, String writerKind, Duration leaseTimeout, Failpoints failpoints) {
        this.graph = graph;
        this.leases = leases;
        this.writerKind = writerKind;
        this.leaseTimeout = leaseTimeout;
        this.failpoints = failpoints;
    }

    /**
     * The outcome of an acknowledged write.
     *
     * @param operationId the operation's ULID
     * @param manifestVersion the manifest version that published it
     * @param rows rows appended per table key
     */
    public record Result(String operationId, long manifestVersion, SortedMap<String, Integer> rows) {
    }

    /** Creates a new operation id (a monotonic ULID). */
    public static String newOperationId() {
        return UlidCreator.getMonotonicUlid().toString();
    }

    /**
     * Appends {@code rows} (table key → rows; tables with no rows are not touched) as one operation.
     *
     * @param operationId from {@link #newOperationId()}
     * @return the acknowledged result; only returned after the manifest publish
     * @throws RecoveryRequiredException if a pending sidecar covers a table, or the write failed
     *     after writing its own sidecar (the reconciler will roll it forward or back)
     * @throws DriftException if a table's HEAD is ahead of its pin and no sidecar covers it
     * @throws LeaseException if the leases cannot be taken (nothing was written)
     * @throws IOException on a storage error before the sidecar write (nothing was written)
     */
    public Result write(String operationId, Map<String, List<Map<String, Object>>> rows)
            throws RecoveryRequiredException, DriftException, LeaseException, IOException, InterruptedException {
        failpoints.operationStarted();
        SortedMap<String, List<Map<String, Object>>> touched = new TreeMap<>();
        rows.forEach((k, v) -> {
            if (!v.isEmpty()) {
                touched.put(k, v);
            }
        });
        if (touched.isEmpty()) {
            throw new IllegalArgumentException("operation " + operationId + " touches no table");
        }
        Manifest base = graph.manifests().require();
        Map<String, List<FragmentMetadata>> staged = new LinkedHashMap<>();
        for (Map.Entry<String, List<Map<String, Object>>> e : touched.entrySet()) {
            TablePin pin = base.pin(e.getKey());
            staged.put(e.getKey(), graph.tables().stageAppend(TableKey.parse(e.getKey()), pin.columns(), e.getValue()));
        }
        try (LeaseSet lease = leases.acquire(base.graphId(), Graph.MAIN_BRANCH, touched.keySet(), leaseTimeout)) {
            // Phase A: under the leases, re-read the manifest, refuse pending/corrupt sidecars and drift.
            Manifest m = graph.manifests().require();
            checkSidecars(touched.keySet());
            List<Sidecar.SidecarTable> sidecarTables = new ArrayList<>();
            for (String t : touched.keySet()) {
                TablePin pin = m.pin(t);
                long head = graph.tables().headVersion(TableKey.parse(t));
                if (head != pin.version()) {
                    throw new DriftException("uncovered drift on table " + t + " of graph " + m.graphId() + ": Lance HEAD is "
                            + head + " but manifest v" + m.version() + " pins " + pin.version()
                            + "; no pending sidecar covers it (run 'reconciler status' and repair by hand)");
                }
                sidecarTables.add(new Sidecar.SidecarTable(t, pin.version(), lease.fencingToken(t)));
            }
            lease.checkValid();
            failpoints.hit("before-sidecar", operationId); // after the last lease check: a stall here outlives the lease
            Sidecar sidecar = new Sidecar(Sidecar.FORMAT_VERSION, operationId, writerKind, m.graphId(), Graph.MAIN_BRANCH,
                    m.version(), identity(), Instant.now(), sidecarTables);
            graph.sidecars().write(sidecar);
            leases.signalChange(m.graphId());
            failpoints.hit("after-sidecar", operationId);
            try {
                return afterSidecar(operationId, lease, m, sidecar, staged, touched);
            } catch (RecoveryRequiredException e) {
                throw e;
            } catch (Exception e) {
                throw new RecoveryRequiredException(operationId, "operation " + operationId + " failed after its sidecar was written ("
                        + e.getMessage() + "); the reconciler will roll it forward or back", e);
            }
        }
    }

    private Result afterSidecar(String operationId, LeaseSet lease, Manifest m, Sidecar sidecar,
                                Map<String, List<FragmentMetadata>> staged, SortedMap<String, List<Map<String, Object>>> touched)
            throws Exception {
        // Phase B: one commit per table, in sorted order.
        List<PinUpdate> updates = new ArrayList<>();
        int k = 0;
        for (Sidecar.SidecarTable t : sidecar.tables()) {
            lease.checkValid();
            failpoints.hit("before-commit:" + (k + 1), operationId);
            long landed = graph.tables().commitAppend(TableKey.parse(t.tableKey()), staged.get(t.tableKey()), t.expectedVersion(),
                    CommitProperties.of(operationId, t.fencingToken(), CommitProperties.ROLE_WRITER));
            if (landed != t.expectedVersion() + 1) {
                throw new RecoveryRequiredException(operationId, "commit of " + t.tableKey() + " landed at version " + landed
                        + ", expected " + (t.expectedVersion() + 1) + "; someone committed concurrently", null);
            }
            updates.add(new PinUpdate(t.tableKey(), t.expectedVersion(), landed, t.fencingToken()));
            k++;
            failpoints.hit("after-commit:" + k, operationId);
        }
        // Phase C: publish.
        lease.checkValid();
        failpoints.hit("before-publish", operationId);
        Manifest published;
        try {
            published = graph.manifests().publish(operationId, Manifest.KIND_WRITE, updates);
        } catch (FencedOffException | ManifestConflictException e) {
            throw new RecoveryRequiredException(operationId, "publish of operation " + operationId + " refused: " + e.getMessage(), e);
        }
        leases.signalChange(m.graphId());
        failpoints.hit("after-publish", operationId);
        // Phase D: delete the sidecar. A failure here is harmless: the reconciler finishes it.
        try {
            graph.sidecars().delete(operationId);
        } catch (IOException e) {
            LOG.warn("operation {} published as manifest v{} but its sidecar could not be deleted: {}", operationId,
                    published.version(), e.getMessage());
        }
        failpoints.hit("after-sidecar-delete", operationId);
        SortedMap<String, Integer> counts = new TreeMap<>();
        touched.forEach((t, r) -> counts.put(t, r.size()));
        return new Result(operationId, published.version(), counts);
    }

    private void checkSidecars(java.util.Set<String> tables) throws IOException, RecoveryRequiredException {
        for (SidecarEntry e : graph.sidecars().list()) {
            if (e instanceof SidecarEntry.Corrupt c) {
                throw new RecoveryRequiredException(null, "refusing to write: " + c.reason(), null);
            }
            Sidecar s = ((SidecarEntry.Valid) e).sidecar();
            for (String t : s.tableKeys()) {
                if (tables.contains(t)) {
                    throw new RecoveryRequiredException(s.operationId(), "table " + t + " is covered by pending sidecar "
                            + e.key() + " (operation " + s.operationId() + "); the reconciler must heal it before this write", null);
                }
            }
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
}
