package reconciler.indexer;

import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reconciler.leases.GraphEvents;
import reconciler.leases.LeaseException;
import reconciler.leases.LeaseManager;
import reconciler.leases.LeaseSet;
import reconciler.leases.LeaseTimeoutException;
import reconciler.manifest.FencedOffException;
import reconciler.manifest.IndexSpec;
import reconciler.manifest.Manifest;
import reconciler.manifest.ManifestConflictException;
import reconciler.manifest.PinUpdate;
import reconciler.manifest.TablePin;
import reconciler.sidecar.Sidecar;
import reconciler.sidecar.SidecarEntry;
import reconciler.storage.CommitLabel;
import reconciler.storage.TableKey;
import reconciler.graph.Graph;
import reconciler.graph.CommitWindow;
import reconciler.graph.OperationIds;

/**
 * The commit window of an indexer operation on one table, following the writer phases of
 * protocol v1 (docs/protocol.md §5) exactly: everything expensive happened before, outside the
 * lease; here, under the table's lease, only
 * <ol>
 *   <li>A: re-read the manifest; skip if a pending sidecar covers the table, a corrupt sidecar
 *       exists, or HEAD != pin (a writer's commit in flight, or drift); the operation's own
 *       {@link Effect#precheck precheck} (e.g. "the catalog still declares what was built");
 *       write the sidecar (writer kind {@code index-build}, {@code index-drop} or
 *       {@code compaction});</li>
 *   <li>B: the Lance commit(s), carrying the operation id, the fencing token and role
 *       {@code writer}; check they landed where the classifier expects them (pin + 1, or for a
 *       compaction the run pin + 1 .. HEAD, {@link OwnRun});</li>
 *   <li>C: publish the new pin (and catalog, if the operation changes it) with the fencing token;</li>
 *   <li>D: delete the sidecar, release the lease.</li>
 * </ol>
 * A crash anywhere after the sidecar write is recovered by the reconciler like a writer's
 * ({@code reconciler.core.Recoverer}): no movement → abort, own commit(s) → roll forward. A failure
 * after the sidecar write where nothing landed (HEAD still == pin, the lease still valid) deletes
 * the sidecar at once, so a conflicting index commit never leaves writers blocked.
 */
final class TableCommit {

    private static final Logger LOG = LoggerFactory.getLogger(TableCommit.class);

    private TableCommit() {
    }

    /** The Lance side of an operation. */
    interface Effect {
        /**
         * Under the lease, before the sidecar: null to go on, or why to skip (nothing is written).
         *
         * @param m the latest manifest
         * @param pin the table's pin in it (== HEAD)
         */
        String precheck(Manifest m, TablePin pin) throws Exception;

        /**
         * Under the lease, after the sidecar: commits with {@code properties}; returns Lance HEAD afterwards.
         *
         * @param pin the pinned (== HEAD) version before the commit
         */
        long commit(long pin, Map<String, String> properties, String operationId) throws Exception;

        /** Null if HEAD after the commit is exactly this operation's effect, else why not. */
        default String verify(Graph graph, TableKey table, String operationId, long token, long pin, long head) {
            return head == pin + 1 ? null : "commit landed at version " + head + ", expected " + (pin + 1);
        }

        /** The table's catalog after the operation, or null to keep it. */
        default List<IndexSpec> catalog(TablePin pin) {
            return null;
        }
    }


    /**
     * @param status how it ended
     * @param operationId the operation's ULID (also its sidecar's name)
     * @param manifestVersion the manifest version published, 0 if none
     * @param fromVersion the pin before
     * @param toVersion the pin after (== fromVersion unless committed)
     * @param message one line
     */
    record Outcome(CommitStatus status, String operationId, long manifestVersion, long fromVersion, long toVersion, String message) {
    }

    static Outcome run(Graph graph, LeaseManager leases, String tableKey, String writerKind, String manifestKind,
                       MaintenanceOptions opts, Effect effect) throws IOException, InterruptedException {
        String op = OperationIds.next();
        Manifest base = graph.manifests().require();
        String graphId = base.graphId();
        TableKey key = TableKey.parse(tableKey);
        IndexFailpoints fp = opts.failpoints();
        long[] acquired = {0};
        try (LeaseSet lease = leases.acquire(graphId, Graph.MAIN_BRANCH, List.of(tableKey), opts.leaseTimeout());
             AutoCloseable held = () -> LOG.info("{} {} on {}: table lease held for {} ms", writerKind, op, tableKey,
                     (System.nanoTime() - acquired[0]) / 1_000_000)) {
            acquired[0] = System.nanoTime();
            Manifest m = graph.manifests().require();
            TablePin pin = m.pin(tableKey);
            Optional<SidecarEntry> blocking = graph.sidecars().blocking(m, List.of(tableKey));
            if (blocking.isPresent()) {
                return skipped(op, pin, blocking.get() instanceof SidecarEntry.Corrupt c ? "a corrupt sidecar exists (" + c.key() + "): " + c.reason()
                        : "table is covered by pending sidecar " + blocking.get().key() + " ("
                        + ((SidecarEntry.Valid) blocking.get()).sidecar().writerKind() + ")");
            }
            long head = graph.tables().headVersion(key);
            if (head != pin.version()) {
                return skipped(op, pin, "Lance HEAD " + head + " != pin " + pin.version() + " (uncovered drift)");
            }
            String why = effect.precheck(m, pin);
            if (why != null) {
                return skipped(op, pin, why);
            }
            lease.ensureTokensAbove(CommitWindow.recordedTokens(m, List.of(tableKey))); // after a ZooKeeper data loss
            long token = lease.fencingToken(tableKey);
            lease.checkValid();
            Sidecar sidecar = new Sidecar(Sidecar.FORMAT_VERSION, op, writerKind, graphId, Graph.MAIN_BRANCH, m.version(),
                    CommitWindow.identity(), Instant.now(), List.of(new Sidecar.SidecarTable(tableKey, pin.version(), token)));
            graph.sidecars().write(sidecar);
            GraphEvents.signalChange(leases.session(), graphId);
            fp.hit(writerKind, "after-sidecar", op);
            long landed;
            try {
                lease.checkValid();
                landed = effect.commit(pin.version(), CommitLabel.writer(op, token).properties(), op);
            } catch (IndexFailpoints.Crash c) {
                throw c;
            } catch (Exception e) {
                Outcome o = afterFailedCommit(graph, lease, key, op, pin, e);
                GraphEvents.signalChange(leases.session(), graphId);
                return o;
            }
            String bad = effect.verify(graph, key, op, token, pin.version(), landed);
            if (bad != null) {
                GraphEvents.signalChange(leases.session(), graphId);
                return new Outcome(CommitStatus.RECOVERY_REQUIRED, op, 0, pin.version(), pin.version(), bad
                        + "; sidecar " + op + " left for the reconciler");
            }
            fp.hit(writerKind, "after-commit", op);
            Manifest pub;
            try {
                lease.checkValid();
                List<IndexSpec> catalog = effect.catalog(pin);
                pub = graph.manifests().publish(op, manifestKind, List.of(new PinUpdate(tableKey, pin.version(), landed, token,
                        catalog, catalog == null ? null : pin.indexes())));
            } catch (FencedOffException | ManifestConflictException | LeaseException | IOException e) {
                GraphEvents.signalChange(leases.session(), graphId);
                return new Outcome(CommitStatus.RECOVERY_REQUIRED, op, 0, pin.version(), pin.version(), "committed at " + landed
                        + " but the publish failed (" + e.getMessage() + "); sidecar " + op + " left for the reconciler");
            }
            GraphEvents.signalChange(leases.session(), graphId);
            fp.hit(writerKind, "after-publish", op);
            try {
                graph.sidecars().delete(op);
            } catch (IOException e) {
                LOG.warn("{} {} published as manifest v{} but its sidecar could not be deleted (the reconciler finishes it): {}",
                        writerKind, op, pub.version(), e.getMessage());
            }
            return new Outcome(CommitStatus.COMMITTED, op, pub.version(), pin.version(), landed,
                    "committed " + tableKey + " " + pin.version() + " -> " + landed + ", published as manifest v" + pub.version());
        } catch (LeaseTimeoutException e) {
            return new Outcome(CommitStatus.BUSY, op, 0, 0, 0, "lease of " + tableKey + " busy: " + e.getMessage());
        } catch (LeaseException e) {
            return new Outcome(CommitStatus.FAILED, op, 0, 0, 0, "lease failure: " + e.getMessage());
        } catch (IndexFailpoints.Crash c) {
            throw c;
        } catch (IOException | InterruptedException e) {
            throw e;
        } catch (Exception e) {
            return new Outcome(CommitStatus.FAILED, op, 0, 0, 0, e.toString());
        }
    }

    private static Outcome skipped(String op, TablePin pin, String why) {
        return new Outcome(CommitStatus.SKIPPED, op, 0, pin.version(), pin.version(), why);
    }

    /** The commit threw: if nothing landed and the lease still holds, remove our sidecar now; else leave it. */
    private static Outcome afterFailedCommit(Graph graph, LeaseSet lease, TableKey key, String op, TablePin pin, Exception e) {
        String msg = String.valueOf(e.getMessage());
        int nl = msg.indexOf('\n');
        msg = nl < 0 ? msg : msg.substring(0, nl);
        try {
            long head = graph.tables().headVersion(key);
            if (head == pin.version() && lease.isValid()) {
                graph.sidecars().delete(op);
                return new Outcome(CommitStatus.FAILED, op, 0, pin.version(), pin.version(), "commit refused by Lance, nothing landed: " + msg);
            }
            return new Outcome(CommitStatus.RECOVERY_REQUIRED, op, 0, pin.version(), pin.version(), "commit failed after HEAD moved to "
                    + head + " (" + msg + "); sidecar " + op + " left for the reconciler");
        } catch (IOException | RuntimeException x) {
            return new Outcome(CommitStatus.RECOVERY_REQUIRED, op, 0, pin.version(), pin.version(), "commit failed (" + msg
                    + ") and the table could not be re-read (" + x.getMessage() + "); sidecar " + op + " left for the reconciler");
        }
    }
}
