package reconciler.core;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reconciler.leases.LeaseManager;
import reconciler.leases.LeaseSet;
import reconciler.leases.LeaseTimeoutException;
import reconciler.manifest.Manifest;
import reconciler.manifest.PinUpdate;
import reconciler.manifest.TablePin;
import reconciler.sidecar.Sidecar;
import reconciler.storage.CommitInfo;
import reconciler.storage.CommitLabel;
import reconciler.storage.TableKey;
import reconciler.graph.Graph;

/**
 * Recovers one sidecar: takes the leases its writer held (waiting while a live writer holds them),
 * re-reads it, classifies it ({@link Classifier}) and carries the decision out. Every step is
 * idempotent, and the sidecar is deleted last, so a reconciler killed anywhere converges on its
 * next pass with exactly one audit record per outcome.
 */
public final class Recoverer {

    private static final Logger LOG = LoggerFactory.getLogger(Recoverer.class);

    private final LeaseManager leases;
    private final AuditLog audit;
    private final Duration leaseWait;
    private final String self;
    private final reconciler.graph.Failpoints failpoints;

    /** @param leaseWait how long to wait for a sidecar's leases before reporting it busy */
    public Recoverer(LeaseManager leases, AuditLog audit, Duration leaseWait) {
        this(leases, audit, leaseWait, reconciler.graph.Failpoints.fromEnvironment());
    }

    /** @param failpoints crash points for tests ({@code recovery-after-*}, see {@link reconciler.graph.Failpoints}) */
    public Recoverer(LeaseManager leases, AuditLog audit, Duration leaseWait, reconciler.graph.Failpoints failpoints) {
        this.failpoints = failpoints;
        this.leases = leases;
        this.audit = audit;
        this.leaseWait = leaseWait;
        Sidecar.WriterIdentity me = reconciler.graph.CommitWindow.identity(); // this process, as sidecars record it
        this.self = me.host() + ":" + me.pid();
    }

    /** The message prefix of a sidecar left by a roll-forward-only pass. */
    public static final String LEFT_FOR_FULL = "left for a full pass (recoveryMode roll-forward-only): ";

    /** How a sidecar's recovery ended in this pass. */
    public enum Status {
        /** The sidecar is gone (healed now, or its writer finished). */
        RESOLVED,
        /** Left on disk: classification deferred. */
        DEFERRED,
        /** Left on disk: its leases are held by a live writer. */
        BUSY,
        /** Left on disk: a step failed; the next pass retries. */
        FAILED
    }

    /**
     * @param operationId the sidecar's operation
     * @param status how it ended
     * @param action the decision taken, or null if none was reached
     * @param message one line for logs and the CLI
     */
    public record Result(String operationId, Status status, Classifier.Action action, String message) {
    }

    /** One recovery step, run under the sidecar's leases on the sidecar as re-read under them. */
    @FunctionalInterface
    interface SidecarStep {
        Result run(LeaseSet lease, Sidecar current) throws Exception;
    }

    /**
     * The frame every sidecar recovery step shares (docs/protocol.md, "Recovery"): takes the leases the
     * sidecar's writer held, waiting up to {@code wait}; re-reads the sidecar under them (gone means its
     * writer, or another recoverer, finished: {@link Status#RESOLVED}); runs {@code body} on the sidecar
     * as read. {@code graph} is the main graph or a branch view. A lease timeout comes back as
     * {@link Status#BUSY}, any other failure as {@link Status#FAILED} (the next pass retries).
     *
     * @throws InterruptedException if interrupted while waiting for the leases or in the step
     */
    static Result underLeases(LeaseManager leases, Graph graph, Sidecar sidecar, Duration wait, SidecarStep body)
            throws InterruptedException {
        String op = sidecar.operationId();
        try (LeaseSet lease = leases.acquire(sidecar.graphId(), sidecar.branch(), sidecar.tableKeys(), wait)) {
            Optional<Sidecar> current = graph.sidecars().read(op);
            if (current.isEmpty()) {
                return new Result(op, Status.RESOLVED, null, "sidecar gone once the leases were held: its writer finished");
            }
            return body.run(lease, current.get());
        } catch (LeaseTimeoutException e) {
            return new Result(op, Status.BUSY, null, "leases held by a live writer: " + e.getMessage());
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            LOG.warn("graph {} sidecar {}: recovery step failed, will retry: {}", sidecar.graphId(), op, e.toString());
            return new Result(op, Status.FAILED, null, "step failed, will retry: " + e.getMessage());
        }
    }

    /** The configured lease wait. */
    public Duration leaseWait() {
        return leaseWait;
    }

    /**
     * After a ZooKeeper data loss the fence counters restart below the tokens the manifest and the
     * sidecar record: raise this lease's tokens above both (docs/leases.md, "Tokens across a
     * ZooKeeper data loss"), so recovery's publish is not fenced off and the crashed writer's token
     * stays below ours. Costs nothing when the counters are intact.
     */
    static void raiseTokenFloor(LeaseSet lease, Manifest m, Sidecar s) throws reconciler.leases.LeaseException, InterruptedException {
        java.util.Map<String, Long> floor = new java.util.HashMap<>(reconciler.graph.CommitWindow.recordedTokens(m, s.tableKeys()));
        for (Sidecar.SidecarTable t : s.tables()) {
            floor.merge(t.tableKey(), t.fencingToken(), Math::max);
        }
        lease.ensureTokensAbove(floor);
    }

    /** The leases, audit log and failpoints this recoverer acts with (for {@link ReconcilePass}'s branch recovery beside it). */
    LeaseManager leases() {
        return leases;
    }

    AuditLog audit() {
        return audit;
    }

    reconciler.graph.Failpoints failpoints() {
        return failpoints;
    }

    /** Recovers a sidecar, waiting up to the configured {@code leaseWait} for its leases. */
    public Result recover(Graph graph, Sidecar sidecar) throws InterruptedException {
        return recover(graph, sidecar, leaseWait);
    }

    /**
     * Recovers the sidecar of {@code sidecar.operationId()} in {@code graph}. Never throws for
     * expected failures: they come back as {@link Status#BUSY} or {@link Status#FAILED}.
     *
     * @param wait how long to wait for the sidecar's leases; zero means "only if free now" (the
     *     event-driven daemon: a lease release is itself an event that triggers the next attempt)
     */
    public Result recover(Graph graph, Sidecar sidecar, Duration wait) throws InterruptedException {
        return recover(graph, sidecar, wait, false);
    }

    /**
     * Like {@link #recover(Graph, Sidecar, Duration)}; {@code graph} may be a branch view ({@link Graph#onBranch}), the
     * sidecar's branch. With {@code rollForwardOnly} (recoveryMode {@code roll-forward-only}, docs/protocol.md "Recovery
     * modes") only FINISH and ROLL_FORWARD are carried out: a sidecar classified ABORT or ROLL_BACK is left on disk,
     * untouched and unaudited, reported as {@link Status#DEFERRED} with its action, for an operator or a full-mode pass.
     */
    public Result recover(Graph graph, Sidecar sidecar, Duration wait, boolean rollForwardOnly) throws InterruptedException {
        failpoints.operationStarted();
        return underLeases(leases, graph, sidecar, wait, (lease, s) -> {
            String op = s.operationId();
            if (graph.branchRecord() != null && !graph.branchRecord().equals(graph.main().manifests().require().branches().get(graph.branch()))) {
                return new Result(op, Status.FAILED, null, "branch " + graph.branch() + " was deleted meanwhile: the sidecar is orphaned");
            }
            Manifest m = graph.manifests().require();
            Optional<String> refused = reconciler.sidecar.SidecarStore.refusal(s, m);
            if (refused.isPresent()) {
                LOG.error("graph {} sidecar {}: refused and kept: {}", m.graphId(), op, refused.get());
                return new Result(op, Status.FAILED, null, "sidecar refused and kept: " + refused.get());
            }
            raiseTokenFloor(lease, m, s);
            if (!m.graphId().equals(s.graphId())) {
                return defer(graph, s, new Classifier.Decision(Classifier.Action.DEFER, "sidecar names graph " + s.graphId()
                        + " but the root holds graph " + m.graphId(), List.of(), Optional.empty()));
            }
            Classifier.Decision d = Classifier.classify(s, graph.manifests().findOperation(op, s.baseManifestVersion()), observe(graph, s, m));
            LOG.info("graph {} sidecar {}: {} ({})", m.graphId(), op, d.action(), d.reason());
            if (rollForwardOnly && (d.action() == Classifier.Action.ABORT || d.action() == Classifier.Action.ROLL_BACK)) {
                return new Result(op, Status.DEFERRED, d.action(), LEFT_FOR_FULL + d.reason());
            }
            return switch (d.action()) {
                case FINISH -> finish(graph, s, d);
                case ABORT -> publishPins(graph, s, d, lease, Manifest.KIND_ABORT, AuditRecord.ABORTED, Classifier.TablePlan::pin,
                        v -> "aborted: " + d.reason() + " (fenced in manifest v" + v + ")");
                case ROLL_FORWARD -> publishPins(graph, s, d, lease, Manifest.KIND_ROLL_FORWARD, AuditRecord.ROLLED_FORWARD,
                        Classifier.TablePlan::head, v -> "rolled forward as manifest v" + v);
                case ROLL_BACK -> rollBack(graph, s, d, lease);
                case DEFER -> defer(graph, s, d);
            };
        });
    }

    /**
     * Observes the sidecar's tables without changing anything (also used by the dry run).
     *
     * @throws RuntimeException from Lance
     */
    public static Map<String, Classifier.TableObservation> observe(Graph graph, Sidecar s, Manifest m) {
        Map<String, Classifier.TableObservation> obs = new LinkedHashMap<>();
        for (Sidecar.SidecarTable t : s.tables()) {
            TableKey key = TableKey.parse(t.tableKey());
            TablePin pin = m.tables().get(t.tableKey());
            if (pin == null) {
                throw new IllegalStateException("manifest v" + m.version() + " has no table " + t.tableKey());
            }
            long head = graph.tables().headVersion(key);
            List<CommitInfo> commits = new ArrayList<>();
            for (long v = pin.version() + 1; v <= Math.min(head, pin.version() + Classifier.versionsToObserve(s)); v++) {
                graph.tables().commitInfo(key, v).ifPresent(commits::add);
            }
            obs.put(t.tableKey(), new Classifier.TableObservation(t.tableKey(), pin.version(), pin.fencingToken(), head, commits));
        }
        return obs;
    }

    private Result finish(Graph graph, Sidecar s, Classifier.Decision d) throws IOException {
        Manifest pub = d.publishedBy().orElseThrow();
        String outcome = switch (pub.kind()) {
            case Manifest.KIND_ROLL_FORWARD -> AuditRecord.ROLLED_FORWARD;
            case Manifest.KIND_ROLL_BACK -> AuditRecord.ROLLED_BACK;
            case Manifest.KIND_ABORT -> AuditRecord.ABORTED;
            default -> AuditRecord.FINISHED;
        };
        List<AuditRecord.TableOutcome> tables = s.tables().stream().map(t -> new AuditRecord.TableOutcome(t.tableKey(),
                t.expectedVersion(), pub.pin(t.tableKey()).version(), "PUBLISHED")).toList();
        recordAndDelete(graph, s, outcome, pub.version(), d, tables);
        return new Result(s.operationId(), Status.RESOLVED, d.action(), outcome + ": " + d.reason());
    }

    /**
     * ABORT (no table moved: every pin stays, the reconciler's fencing tokens are published so the stalled
     * writer can never publish) or ROLL_FORWARD (the writer's commits are published): each table's pin
     * moves to {@code target} of its plan; {@code message} is given the published manifest version.
     */
    private Result publishPins(Graph graph, Sidecar s, Classifier.Decision d, LeaseSet lease, String manifestKind, String outcome,
                               java.util.function.ToLongFunction<Classifier.TablePlan> target,
                               java.util.function.LongFunction<String> message) throws Exception {
        List<PinUpdate> updates = new ArrayList<>();
        List<AuditRecord.TableOutcome> outcomes = new ArrayList<>();
        for (Classifier.TablePlan p : d.tables()) {
            long to = target.applyAsLong(p);
            updates.add(new PinUpdate(p.tableKey(), p.pin(), to, lease.fencingToken(p.tableKey())));
            outcomes.add(new AuditRecord.TableOutcome(p.tableKey(), p.pin(), to, p.state().name()));
        }
        lease.checkValid();
        Manifest pub = graph.manifests().publish(s.operationId(), manifestKind, updates);
        recordAndDelete(graph, s, outcome, pub.version(), d, outcomes);
        return new Result(s.operationId(), Status.RESOLVED, d.action(), message.apply(pub.version()));
    }

    private Result rollBack(Graph graph, Sidecar s, Classifier.Decision d, LeaseSet lease) throws Exception {
        List<PinUpdate> updates = new ArrayList<>();
        List<AuditRecord.TableOutcome> outcomes = new ArrayList<>();
        for (Classifier.TablePlan p : d.tables()) {
            long token = lease.fencingToken(p.tableKey());
            long restoredAt;
            switch (p.state()) {
                case OWN_COMMIT -> restoredAt = restore(graph, lease, s.operationId(), p, token, p.pin() + 2);
                case FENCED_INTERLEAVED -> restoredAt = restore(graph, lease, s.operationId(), p, token, p.head() + 1);
                case RESTORED -> restoredAt = p.head();
                default -> restoredAt = p.pin(); // NO_MOVEMENT: the pin stays, the reconciler's token is recorded
            }
            updates.add(new PinUpdate(p.tableKey(), p.pin(), restoredAt, token));
            outcomes.add(new AuditRecord.TableOutcome(p.tableKey(), p.pin(), restoredAt, p.state().name()));
        }
        lease.checkValid();
        Manifest pub = graph.manifests().publish(s.operationId(), Manifest.KIND_ROLL_BACK, updates);
        recordAndDelete(graph, s, AuditRecord.ROLLED_BACK, pub.version(), d, outcomes);
        return new Result(s.operationId(), Status.RESOLVED, d.action(), "rolled back; restored content published as manifest v" + pub.version());
    }

    /**
     * Restores table {@code p} to its pin as a compensating commit of {@code operationId} carrying {@code token}, and checks
     * it landed at {@code expected} (a stale read version would rebase it elsewhere). The lease is checked first.
     */
    private long restore(Graph graph, LeaseSet lease, String operationId, Classifier.TablePlan p, long token, long expected)
            throws reconciler.leases.LeaseLostException {
        lease.checkValid();
        long restoredAt = graph.tables().restore(TableKey.parse(p.tableKey()), p.pin(), CommitLabel.rollBack(operationId, token, p.pin()).properties());
        if (restoredAt != expected) {
            throw new IllegalStateException("restore of " + p.tableKey() + " landed at " + restoredAt + ", expected " + expected);
        }
        failpoints.hit("recovery-after-restore", operationId);
        return restoredAt;
    }

    /**
     * Reverts drift that no sidecar covers when every commit past the pin was made by a fenced-off
     * lease holder ({@link Classifier#driftNotRevertible}): takes the table's lease, re-checks, restores
     * the pinned content and publishes it ({@code kind: repair}), audited as
     * {@link AuditRecord#REVERTED_FENCED}. Drift of any other origin is left alone.
     *
     * @param graph the main graph or a branch view ({@link Graph#onBranch}): the table's lease, manifest and Lance branch are that branch's
     * @param wait how long to wait for the table's lease
     * @return the result; {@link Status#DEFERRED} when the drift is not provably fenced off
     */
    public Result repairDrift(Graph graph, String graphId, String tableKey, Duration wait) throws InterruptedException {
        String repairId = reconciler.writer.GraphWriter.newOperationId();
        try (LeaseSet lease = leases.acquire(graphId, graph.branch(), List.of(tableKey), wait)) {
            Manifest m = graph.manifests().require();
            lease.ensureTokensAbove(reconciler.graph.CommitWindow.recordedTokens(m, List.of(tableKey))); // after a ZooKeeper data loss
            TableKey key = TableKey.parse(tableKey);
            TablePin pin = m.pin(tableKey);
            long head = graph.tables().headVersion(key);
            Optional<reconciler.sidecar.SidecarEntry> blocking = graph.sidecars().blocking(m, List.of(tableKey));
            if (blocking.isPresent()) { // a refused sidecar may cover anything: no repair while one exists (docs/protocol.md)
                return new Result(repairId, Status.DEFERRED, null, "drift on " + tableKey + " is covered by sidecar " + blocking.get().key());
            }
            if (head <= pin.version()) {
                return new Result(repairId, Status.RESOLVED, null, "no drift on " + tableKey);
            }
            List<CommitInfo> commits = new ArrayList<>();
            for (long v = pin.version() + 1; v <= head; v++) {
                graph.tables().commitInfo(key, v).ifPresent(commits::add);
            }
            Optional<String> why = Classifier.driftNotRevertible(pin.version(), pin.fencingToken(), head, commits);
            if (why.isPresent()) {
                return new Result(repairId, Status.DEFERRED, null, "uncovered drift on " + tableKey + " left alone: " + why.get());
            }
            long token = lease.fencingToken(tableKey);
            lease.checkValid();
            long restored = graph.tables().restore(key, pin.version(), CommitLabel.rollBack(repairId, token, pin.version()).properties());
            lease.checkValid();
            Manifest pub = graph.manifests().publish(repairId, Manifest.KIND_REPAIR,
                    List.of(new PinUpdate(tableKey, pin.version(), restored, token)));
            String zombies = commits.stream().map(c -> String.valueOf(c.label().operationId())).distinct()
                    .collect(java.util.stream.Collectors.joining(", "));
            String reason = "reverted " + commits.size() + " fenced-off commit(s) of operation(s) " + zombies + " on " + tableKey;
            audit.record(graph.store(), new AuditRecord(AuditRecord.FORMAT_VERSION, m.graphId(), graph.store().root(), repairId,
                    AuditRecord.REVERTED_FENCED, "reconciler", self.substring(0, self.lastIndexOf(':')),
                    ProcessHandle.current().pid(), pub.version(),
                    List.of(new AuditRecord.TableOutcome(tableKey, pin.version(), restored, "FENCED_DRIFT")), reason, self, Instant.now()));
            LOG.warn("graph {}: {} (manifest v{})", m.graphId(), reason, pub.version());
            return new Result(repairId, Status.RESOLVED, null, reason);
        } catch (LeaseTimeoutException e) {
            return new Result(repairId, Status.BUSY, null, "lease of " + tableKey + " held: " + e.getMessage());
        } catch (Exception e) {
            LOG.warn("graph {}: drift repair of {} failed, will retry: {}", graphId, tableKey, e.toString());
            return new Result(repairId, Status.FAILED, null, "drift repair failed: " + e.getMessage());
        }
    }

    private Result defer(Graph graph, Sidecar s, Classifier.Decision d) throws IOException {
        boolean first = audit.record(graph.store(), record(graph, s, AuditRecord.DEFERRED, 0, d, d.tables().stream()
                .map(p -> new AuditRecord.TableOutcome(p.tableKey(), p.pin(), p.pin(), p.state().name())).toList()));
        if (first) {
            LOG.warn("graph {} sidecar {} DEFERRED: {}", s.graphId(), s.operationId(), d.reason());
        }
        return new Result(s.operationId(), Status.DEFERRED, d.action(), "deferred: " + d.reason());
    }

    private void recordAndDelete(Graph graph, Sidecar s, String outcome, long manifestVersion, Classifier.Decision d,
                                 List<AuditRecord.TableOutcome> tables) throws IOException {
        if (manifestVersion > 0) {
            failpoints.hit("recovery-after-publish", s.operationId());
        }
        audit.record(graph.store(), record(graph, s, outcome, manifestVersion, d, tables));
        failpoints.hit("recovery-after-audit", s.operationId());
        graph.sidecars().delete(s.operationId());
    }

    private AuditRecord record(Graph graph, Sidecar s, String outcome, long manifestVersion, Classifier.Decision d,
                               List<AuditRecord.TableOutcome> tables) {
        return new AuditRecord(AuditRecord.FORMAT_VERSION, s.graphId(), graph.store().root(), s.operationId(), outcome, s.writerKind(),
                s.writer().host(), s.writer().pid(), manifestVersion, tables, d.reason() + leases.brokenHolders()
                        .reason(s.writer().host(), s.writer().pid()).map(r -> " (leases freed early: " + r + ")").orElse(""),
                self, Instant.now());
    }
}
