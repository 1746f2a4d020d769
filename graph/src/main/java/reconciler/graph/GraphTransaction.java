package reconciler.graph;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.ipc.ArrowReader;
import reconciler.leases.LeaseException;
import reconciler.leases.LeaseManager;
import reconciler.manifest.Manifest;
import reconciler.manifest.ManifestConflictException;
import reconciler.manifest.TablePin;
import reconciler.storage.StagedWrite;
import reconciler.storage.TableKey;

/**
 * One atomic operation across tables of a graph: readers and the reconciler see all of it or none
 * of it. Each call stages its table's write right away, against the manifest pins read at
 * {@link GraphSession#begin}, outside any lease (the expensive part: data and deletion files);
 * {@link #commit()} then runs the protocol's commit window ({@link CommitWindow}: leases, sidecar,
 * one Lance commit per table, manifest publish, sidecar delete).
 *
 * <pre>{@code
 * try (GraphTransaction tx = session.begin("my-app")) {
 *     tx.append("node:Person", people);                 // an ArrowReader
 *     tx.delete("edge:Knows", "since < 2000");
 *     tx.upsert("node:City", List.of("name"), cities);
 *     GraphTransaction.Result r = tx.commit();           // operation id, manifest version
 * }
 * }</pre>
 *
 * <p>At most one write per table per transaction (an upsert deletes and inserts in one). Data must
 * have exactly the table's declared columns. A transaction closed without {@link #commit()}
 * leaves no sidecar and no Lance version; its staged files are referenced by no version and are
 * removed by Lance's cleanup of unverified files (docs/protocol.md, "Lance commits"). Not
 * thread-safe; one transaction per thread.
 */
public final class GraphTransaction implements AutoCloseable {

    private final Graph graph;
    private final CommitWindow window;
    private final String writerKind;
    private final String operationId;
    private final Manifest base;
    private final Map<String, TableWrite> writes = new LinkedHashMap<>();
    private boolean done;

    /**
     * A transaction on {@code graph} based on its latest manifest (see {@link GraphSession#begin} for
     * the usual way to get one).
     *
     * @param writerKind recorded in the sidecar: who writes (e.g. the application's name)
     * @throws IOException if the manifest cannot be read
     */
    public GraphTransaction(Graph graph, LeaseManager leases, String writerKind, Duration leaseTimeout, Failpoints failpoints)
            throws IOException {
        this(graph, leases, writerKind, OperationIds.next(), leaseTimeout, failpoints);
    }

    /** Like the other constructor, with a given operation id (a canonical ULID). */
    public GraphTransaction(Graph graph, LeaseManager leases, String writerKind, String operationId, Duration leaseTimeout,
                            Failpoints failpoints) throws IOException {
        if (writerKind == null || writerKind.isBlank()) {
            throw new IllegalArgumentException("a transaction needs a writer kind (who writes)");
        }
        this.graph = graph;
        this.window = new CommitWindow(graph, leases, leaseTimeout, failpoints);
        this.writerKind = writerKind;
        this.operationId = operationId;
        failpoints.operationStarted();
        this.base = graph.manifests().require();
    }

    /** The operation id (a ULID), known before the commit: the sidecar, commits, manifest and audit carry it. */
    public String operationId() {
        return operationId;
    }

    /** The manifest version the writes are staged against. */
    public long baseVersion() {
        return base.version();
    }

    /**
     * Stages appending {@code rows} (consumed and closed) to {@code table}.
     *
     * @throws IllegalArgumentException for an unknown table, a second write to it, or columns that differ from the declared ones
     * @throws IOException if {@code rows} cannot be read or the data files cannot be written
     */
    public GraphTransaction append(String table, ArrowReader rows) throws IOException {
        TablePin pin = pinFor(table);
        add(table, graph.tables().writes().stageAppend(TableKey.parse(table), pin.columns(), rows), pin);
        return this;
    }

    /**
     * Stages deleting the rows of {@code table} matching {@code predicate} (a Lance SQL filter, e.g.
     * {@code section = 'games'}), as they are at the base pin.
     *
     * @throws IllegalArgumentException for an unknown table, a second write to it, or a predicate Lance refuses
     */
    public GraphTransaction delete(String table, String predicate) {
        TablePin pin = pinFor(table);
        add(table, graph.tables().writes().stageDelete(TableKey.parse(table), pin.version(), predicate), pin);
        return this;
    }

    /**
     * Stages an upsert: rows of {@code table} whose {@code keyColumns} equal an incoming row's are
     * replaced by it, the other incoming rows are added. Incoming keys must be unique and non-null.
     *
     * @throws IllegalArgumentException for an unknown table or key column, a second write, other columns, or a bad key
     * @throws IOException if {@code rows} cannot be read or the files cannot be written
     */
    public GraphTransaction upsert(String table, List<String> keyColumns, ArrowReader rows) throws IOException {
        TablePin pin = pinFor(table);
        add(table, graph.tables().writes().stageUpsert(TableKey.parse(table), pin.columns(), pin.version(), keyColumns, rows), pin);
        return this;
    }

    /**
     * Stages replacing every row of {@code table} by {@code rows} (same columns).
     *
     * @throws IllegalArgumentException for an unknown table, a second write to it, or other columns
     * @throws IOException if {@code rows} cannot be read or the data files cannot be written
     */
    public GraphTransaction overwrite(String table, ArrowReader rows) throws IOException {
        TablePin pin = pinFor(table);
        add(table, graph.tables().writes().stageOverwrite(TableKey.parse(table), pin.columns(), pin.version(), rows), pin);
        return this;
    }

    private TablePin pinFor(String table) {
        if (done) {
            throw new IllegalStateException("transaction " + operationId + " is already committed or closed");
        }
        if (!base.tables().containsKey(table)) {
            throw new IllegalArgumentException("graph " + base.graphId() + " has no table " + table + " (tables: "
                    + String.join(", ", base.tables().keySet()) + ")");
        }
        if (writes.containsKey(table)) {
            throw new IllegalArgumentException("table " + table + " already has a " + writes.get(table).write().kind()
                    + " in transaction " + operationId + ": one write per table per transaction (an upsert deletes and inserts in one)");
        }
        TablePin pin = base.pin(table);
        if (graph.lanceBranch() != null && !graph.lanceBranch().equals(pin.lanceBranch())) {
            try {
                return window.fork(base.graphId(), table); // first touch on a branch: fork the table, then stage on the fork
            } catch (RecoveryRequiredException | reconciler.leases.LeaseException e) {
                throw new java.io.UncheckedIOException(new IOException("first-touch fork of " + table + " onto branch " + graph.branch()
                        + " refused: " + e.getMessage(), e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.UncheckedIOException(new java.io.InterruptedIOException("interrupted while forking " + table));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return pin;
    }

    private void add(String table, StagedWrite w, TablePin pin) {
        writes.put(table, new TableWrite(table, w, pin.version()));
    }

    /**
     * What a table's commit did.
     *
     * @param kind append, delete, upsert or overwrite
     * @param version the Lance version it landed at (the new pin)
     * @param rowsWritten rows added
     * @param rowsRemoved rows deleted or replaced
     */
    public record TableResult(String kind, long version, long rowsWritten, long rowsRemoved) {
    }

    /**
     * An acknowledged transaction.
     *
     * @param operationId the operation id
     * @param manifestVersion the manifest version that published it: a snapshot at this version sees it
     * @param tables what each table's commit did, by table key
     */
    public record Result(String operationId, long manifestVersion, Map<String, TableResult> tables) {
    }

    /**
     * Commits every staged write as one operation.
     *
     * @return the result, only after the manifest publish
     * @throws RecoveryRequiredException a pending or refused sidecar covers a table (nothing written), or the operation
     *     failed after writing its sidecar (the reconciler rolls it forward or back; {@link RecoveryRequiredException#operationId()})
     * @throws DriftException a table's Lance HEAD is ahead of its pin and no sidecar covers it (nothing written)
     * @throws ManifestConflictException a delete, upsert or overwrite was staged against a pin another writer has since
     *     moved (nothing written; begin a new transaction)
     * @throws LeaseException the leases could not be taken in time (nothing written)
     * @throws IOException a storage error before the sidecar write (nothing written)
     * @throws IllegalStateException if nothing was staged, or the transaction is already committed or closed
     */
    public Result commit() throws RecoveryRequiredException, DriftException, ManifestConflictException, LeaseException, IOException,
            InterruptedException {
        if (done) {
            throw new IllegalStateException("transaction " + operationId + " is already committed or closed");
        }
        if (writes.isEmpty()) {
            throw new IllegalStateException("transaction " + operationId + " has nothing to commit");
        }
        done = true;
        CommitWindow.Committed c = window.run(base.graphId(), operationId, writerKind, new ArrayList<>(writes.values()));
        Map<String, TableResult> tables = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : c.versions().entrySet()) {
            StagedWrite w = writes.get(e.getKey()).write();
            tables.put(e.getKey(), new TableResult(w.kind(), e.getValue(), w.rowsWritten(), w.rowsRemoved()));
        }
        return new Result(operationId, c.manifestVersion(), tables);
    }

    /** Ends the transaction; without a commit nothing becomes visible and no sidecar exists. */
    @Override
    public void close() {
        done = true;
    }
}
