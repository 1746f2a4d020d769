package reconciler.core;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reconciler.leases.LeaseException;
import reconciler.leases.LeaseManager;
import reconciler.leases.LeaseSet;
import reconciler.leases.LeaseTimeoutException;
import reconciler.manifest.Manifest;
import reconciler.manifest.PinUpdate;
import reconciler.manifest.TablePin;
import reconciler.sidecar.Sidecar;
import reconciler.storage.CommitInfo;
import reconciler.storage.CommitProperties;
import reconciler.storage.TableKey;
import reconciler.writer.Graph;

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
    private final reconciler.writer.Failpoints failpoints;

    /** @param leaseWait how long to wait for a sidecar's leases before reporting it busy */
    public Recoverer(LeaseManager leases, AuditLog audit, Duration leaseWait) {
        this(leases, audit, leaseWait, reconciler.writer.Failpoints.fromEnvironment());
    }

    /** @param failpoints crash points for tests ({@code recovery-after-*}, see {@link reconciler.writer.Failpoints}) */
    public Recoverer(LeaseManager leases, AuditLog audit, Duration leaseWait, reconciler.writer.Failpoints failpoints) {
        this.failpoints = failpoints;
        this.leases = leases;
        this.audit = audit;
        this.leaseWait = leaseWait;
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown";
        }
        this.self = host + ":" + ProcessHandle.current().pid();
    }

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

    /** Recovers the sidecar of {@code sidecar.operationId()} in {@code graph}. Never throws for expected failures. */
    public Result recover(Graph graph, Sidecar sidecar) throws InterruptedException {
        String op = sidecar.operationId();
        failpoints.operationStarted();
        try (LeaseSet lease = leases.acquire(sidecar.graphId(), sidecar.branch(), sidecar.tableKeys(), leaseWait)) {
            Optional<Sidecar> current = graph.sidecars().read(op);
            if (current.isEmpty()) {
                return new Result(op, Status.RESOLVED, null, "sidecar gone once the leases were held: its writer finished");
            }
            Sidecar s = current.get();
            Manifest m = graph.manifests().require();
            if (!m.graphId().equals(s.graphId())) {
                return defer(graph, s, new Classifier.Decision(Classifier.Action.DEFER, "sidecar names graph " + s.graphId()
                        + " but the root holds graph " + m.graphId(), List.of(), Optional.empty()));
            }
            Classifier.Decision d = Classifier.classify(s, graph.manifests().findOperation(op, s.baseManifestVersion()), observe(graph, s, m));
            LOG.info("graph {} sidecar {}: {} ({})", m.graphId(), op, d.action(), d.reason());
            return switch (d.action()) {
                case FINISH -> finish(graph, s, d);
                case ABORT -> {
                    lease.checkValid();
                    recordAndDelete(graph, s, AuditRecord.ABORTED, 0, d, d.tables().stream()
                            .map(p -> new AuditRecord.TableOutcome(p.tableKey(), p.pin(), p.pin(), p.state().name())).toList());
                    yield new Result(op, Status.RESOLVED, d.action(), "aborted: " + d.reason());
                }
                case ROLL_FORWARD -> rollForward(graph, s, d, lease);
                case ROLL_BACK -> rollBack(graph, s, d, lease);
                case DEFER -> defer(graph, s, d);
            };
        } catch (LeaseTimeoutException e) {
            return new Result(op, Status.BUSY, null, "leases held by a live writer: " + e.getMessage());
        } catch (LeaseException | IOException | RuntimeException e) {
            LOG.warn("graph {} sidecar {}: recovery step failed, will retry: {}", sidecar.graphId(), op, e.toString());
            return new Result(op, Status.FAILED, null, "step failed, will retry: " + e.getMessage());
        } catch (Exception e) {
            LOG.warn("graph {} sidecar {}: recovery step failed, will retry: {}", sidecar.graphId(), op, e.toString());
            return new Result(op, Status.FAILED, null, "step failed, will retry: " + e.getMessage());
        }
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
            for (long v = pin.version() + 1; v <= Math.min(head, pin.version() + 2); v++) {
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
            default -> AuditRecord.FINISHED;
        };
        List<AuditRecord.TableOutcome> tables = s.tables().stream().map(t -> new AuditRecord.TableOutcome(t.tableKey(),
                t.expectedVersion(), pub.pin(t.tableKey()).version(), "PUBLISHED")).toList();
        recordAndDelete(graph, s, outcome, pub.version(), d, tables);
        return new Result(s.operationId(), Status.RESOLVED, d.action(), outcome + ": " + d.reason());
    }

    private Result rollForward(Graph graph, Sidecar s, Classifier.Decision d, LeaseSet lease) throws Exception {
        List<PinUpdate> updates = new ArrayList<>();
        for (Classifier.TablePlan p : d.tables()) {
            updates.add(new PinUpdate(p.tableKey(), p.pin(), p.head(), lease.fencingToken(p.tableKey())));
        }
        lease.checkValid();
        Manifest pub = graph.manifests().publish(s.operationId(), Manifest.KIND_ROLL_FORWARD, updates);
        recordAndDelete(graph, s, AuditRecord.ROLLED_FORWARD, pub.version(), d, d.tables().stream()
                .map(p -> new AuditRecord.TableOutcome(p.tableKey(), p.pin(), p.head(), p.state().name())).toList());
        return new Result(s.operationId(), Status.RESOLVED, d.action(), "rolled forward as manifest v" + pub.version());
    }

    private Result rollBack(Graph graph, Sidecar s, Classifier.Decision d, LeaseSet lease) throws Exception {
        List<PinUpdate> updates = new ArrayList<>();
        List<AuditRecord.TableOutcome> outcomes = new ArrayList<>();
        for (Classifier.TablePlan p : d.tables()) {
            long token = lease.fencingToken(p.tableKey());
            long restoredAt;
            switch (p.state()) {
                case OWN_COMMIT -> {
                    lease.checkValid();
                    Map<String, String> props = new LinkedHashMap<>(CommitProperties.of(s.operationId(), token, CommitProperties.ROLE_ROLL_BACK));
                    props.put(CommitProperties.RESTORED_TO, Long.toString(p.pin()));
                    restoredAt = graph.tables().restore(TableKey.parse(p.tableKey()), p.pin(), props);
                    if (restoredAt != p.pin() + 2) {
                        throw new IllegalStateException("restore of " + p.tableKey() + " landed at " + restoredAt + ", expected " + (p.pin() + 2));
                    }
                    failpoints.hit("recovery-after-restore", s.operationId());
                }
                case RESTORED -> restoredAt = p.head();
                default -> {
                    outcomes.add(new AuditRecord.TableOutcome(p.tableKey(), p.pin(), p.pin(), p.state().name()));
                    continue;
                }
            }
            updates.add(new PinUpdate(p.tableKey(), p.pin(), restoredAt, token));
            outcomes.add(new AuditRecord.TableOutcome(p.tableKey(), p.pin(), restoredAt, p.state().name()));
        }
        lease.checkValid();
        Manifest pub = graph.manifests().publish(s.operationId(), Manifest.KIND_ROLL_BACK, updates);
        recordAndDelete(graph, s, AuditRecord.ROLLED_BACK, pub.version(), d, outcomes);
        return new Result(s.operationId(), Status.RESOLVED, d.action(), "rolled back; restored content published as manifest v" + pub.version());
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
                s.writer().host(), s.writer().pid(), manifestVersion, tables, d.reason(), self, Instant.now());
    }
}
