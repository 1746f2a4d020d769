package reconciler.writer;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import reconciler.graph.CommitWindow;
import reconciler.graph.DriftException;
import reconciler.graph.Failpoints;
import reconciler.graph.Graph;
import reconciler.graph.GraphTransaction;
import reconciler.graph.OperationIds;
import reconciler.graph.RecoveryRequiredException;
import reconciler.leases.LeaseException;
import reconciler.leases.LeaseManager;
import reconciler.manifest.Manifest;
import reconciler.manifest.ManifestConflictException;
import reconciler.sidecar.Sidecar;
import reconciler.storage.ArrowRows;
import reconciler.storage.LanceTables;

/**
 * The reference writer: appends rows given as maps (table key → rows) to several tables of a graph
 * as one atomic operation, through the graph library's {@link GraphTransaction} (staging outside
 * the leases, then the protocol's commit window, {@link reconciler.graph.CommitWindow}). Used by the
 * Debian import and the integration tests; applications with Arrow data use {@link GraphTransaction}
 * directly.
 */
public final class GraphWriter {

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
        return OperationIds.next();
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
        SortedMap<String, Integer> counts = new TreeMap<>();
        rows.forEach((k, v) -> {
            if (!v.isEmpty()) {
                counts.put(k, v.size());
            }
        });
        if (counts.isEmpty()) {
            throw new IllegalArgumentException("operation " + operationId + " touches no table");
        }
        try (GraphTransaction tx = new GraphTransaction(graph, leases, writerKind, operationId, leaseTimeout, failpoints)) {
            Manifest base = graph.manifests().require();
            for (String t : counts.keySet()) {
                tx.append(t, ArrowRows.reader(graph.tables().allocator(), LanceTables.arrowSchema(base.pin(t).columns()), rows.get(t), 8192));
            }
            GraphTransaction.Result r = tx.commit();
            return new Result(operationId, r.manifestVersion(), counts);
        } catch (ManifestConflictException e) {
            throw new IllegalStateException("an append is never bound to its read version: " + e.getMessage(), e);
        }
    }

    /** This process as recorded in sidecars. */
    public static Sidecar.WriterIdentity identity() {
        return CommitWindow.identity();
    }
}
