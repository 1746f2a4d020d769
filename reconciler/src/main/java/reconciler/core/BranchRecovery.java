package reconciler.core;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reconciler.graph.Failpoints;
import reconciler.graph.Graph;
import reconciler.graph.GraphBranches;
import reconciler.leases.LeaseManager;
import reconciler.manifest.Manifest;
import reconciler.manifest.TablePin;
import reconciler.sidecar.Sidecar;
import reconciler.sidecar.SidecarStore;
import reconciler.storage.TableKey;

/**
 * The I/O shell of recovery particular to branches (docs/protocol.md "Branches"), beside {@link Recoverer}:
 * first-touch fork sidecars ({@link BranchClassifier#classifyFork}) and orphaned-branch sidecars. Every
 * step runs under the sidecar's own leases (graph, table, branch), is idempotent, and deletes the sidecar
 * last, so a crash between any two steps converges on the next pass with exactly one audit record.
 */
public final class BranchRecovery {

    private static final Logger LOG = LoggerFactory.getLogger(BranchRecovery.class);

    private final LeaseManager leases;
    private final AuditLog audit;
    private final Failpoints failpoints;
    private final String self;

    /** @param failpoints crash points for tests ({@code orphan-after-reclaim}, {@code orphan-after-audit}) */
    public BranchRecovery(LeaseManager leases, AuditLog audit, Failpoints failpoints) {
        this.leases = leases;
        this.audit = audit;
        this.failpoints = failpoints;
        Sidecar.WriterIdentity me = reconciler.graph.CommitWindow.identity(); // this process, as sidecars record it
        this.self = me.host() + ":" + me.pid();
    }

    /**
     * Discards an orphaned-branch sidecar (its branch is not in main's list and main names it deleted): under
     * its leases, re-reads it and main's manifest, reclaims the branch's Lance branches of its tables, records
     * one {@value AuditRecord#ORPHANED_BRANCH_DISCARDED} audit record (create-only), deletes it. Never touches
     * another branch; a not-found from Lance is never what decides (main's list is).
     *
     * @param graph the main graph
     */
    public Recoverer.Result discardOrphan(Graph graph, Sidecar sidecar, Duration wait) throws InterruptedException {
        failpoints.operationStarted();
        return Recoverer.underLeases(leases, graph, sidecar, wait, (lease, s) -> {
            String op = s.operationId();
            Manifest main = graph.manifests().require();
            if (!SidecarStore.isOrphan(s, main)) {
                return new Recoverer.Result(op, Recoverer.Status.FAILED, null, "branch " + s.branch() + " is listed again or was never deleted");
            }
            for (String t : s.tableKeys()) {
                if (main.tables().containsKey(t) || graph.main().tables().exists(TableKey.parse(t))) {
                    lease.checkValid();
                    GraphBranches.reclaimForks(graph, t, s.branch(), main);
                }
            }
            failpoints.hit("orphan-after-reclaim", op);
            String reason = "branch '" + s.branch() + "' was deleted (main manifest v" + main.version() + " no longer lists it): the sidecar's"
                    + " effects went with the branch's Lance branches, reclaimed";
            boolean first = audit.record(graph.store(), new AuditRecord(AuditRecord.FORMAT_VERSION, s.graphId(), graph.store().root(), op,
                    AuditRecord.ORPHANED_BRANCH_DISCARDED, s.writerKind(), s.writer().host(), s.writer().pid(), 0,
                    s.tables().stream().map(t -> new AuditRecord.TableOutcome(t.tableKey(), t.expectedVersion(), t.expectedVersion(),
                            "ORPHANED_BRANCH")).toList(), reason, self, Instant.now()));
            failpoints.hit("orphan-after-audit", op);
            graph.sidecars().delete(op);
            if (first) {
                LOG.warn("graph {} sidecar {}: discarded: {}", s.graphId(), op, reason);
            }
            return new Recoverer.Result(op, Recoverer.Status.RESOLVED, null, AuditRecord.ORPHANED_BRANCH_DISCARDED + ": " + reason);
        });
    }

    /**
     * Recovers the sidecar of a first-touch fork on branch view {@code view}: finish if published, else reclaim
     * the fork (roll back: delete the Lance branch if present, publish the reconciler's token with no pin moved,
     * audit {@code rolled_back}), else defer. In roll-forward-only mode a roll back is left for a full pass.
     */
    public Recoverer.Result recoverFork(Graph view, Sidecar sidecar, Duration wait, boolean rollForwardOnly) throws InterruptedException {
        failpoints.operationStarted();
        return Recoverer.underLeases(leases, view, sidecar, wait, (lease, s) -> {
            String op = s.operationId();
            Manifest m = view.manifests().require();
            Recoverer.raiseTokenFloor(lease, m, s); // after a ZooKeeper data loss
            String table = s.tables().get(0).tableKey();
            TableKey key = TableKey.parse(table);
            String own = view.lanceBranch();
            Optional<Long> forkHead = view.main().tables().branches().list(key).contains(own)
                    ? Optional.of(view.tables().headVersion(key)) : Optional.empty();
            Classifier.Decision d = BranchClassifier.classifyFork(s, view.manifests().findOperation(op, s.baseManifestVersion()),
                    m.pin(table), own, forkHead);
            switch (d.action()) {
                case FINISH -> {
                    Manifest pub = d.publishedBy().orElseThrow();
                    String outcome = Manifest.KIND_ROLL_BACK.equals(pub.kind()) ? AuditRecord.ROLLED_BACK : AuditRecord.FINISHED;
                    return done(view, s, outcome, pub.version(), d);
                }
                case ROLL_BACK -> {
                    if (rollForwardOnly) {
                        return new Recoverer.Result(op, Recoverer.Status.DEFERRED, d.action(), Recoverer.LEFT_FOR_FULL + d.reason());
                    }
                    lease.checkValid();
                    view.main().tables().branches().delete(key, own);
                    TablePin pin = m.pin(table);
                    long token = lease.fencingToken(table);
                    lease.checkValid();
                    Manifest pub = view.manifests().publishPins(op, Manifest.KIND_ROLL_BACK, Map.of(table, pin), Map.of(table, pin),
                            Map.of(table, token));
                    return done(view, s, AuditRecord.ROLLED_BACK, pub.version(), d);
                }
                default -> {
                    boolean first = audit.record(view.store(), record(view, s, AuditRecord.DEFERRED, 0, d));
                    if (first) {
                        LOG.warn("graph {} branch {} fork sidecar {} DEFERRED: {}", s.graphId(), s.branch(), op, d.reason());
                    }
                    return new Recoverer.Result(op, Recoverer.Status.DEFERRED, d.action(), "deferred: " + d.reason());
                }
            }
        });
    }

    private Recoverer.Result done(Graph view, Sidecar s, String outcome, long version, Classifier.Decision d) throws IOException {
        audit.record(view.store(), record(view, s, outcome, version, d));
        failpoints.hit("recovery-after-audit", s.operationId());
        view.sidecars().delete(s.operationId());
        return new Recoverer.Result(s.operationId(), Recoverer.Status.RESOLVED, d.action(), outcome + " on branch " + s.branch() + ": " + d.reason());
    }

    private AuditRecord record(Graph view, Sidecar s, String outcome, long version, Classifier.Decision d) {
        List<AuditRecord.TableOutcome> tables = d.tables().stream()
                .map(p -> new AuditRecord.TableOutcome(p.tableKey(), p.expected(), p.pin(), p.state().name())).toList();
        return new AuditRecord(AuditRecord.FORMAT_VERSION, s.graphId(), view.store().root(), s.operationId(), outcome, s.writerKind(),
                s.writer().host(), s.writer().pid(), version, tables, "branch " + s.branch() + ": " + d.reason(), self, Instant.now());
    }
}
