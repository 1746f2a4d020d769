package reconciler.maintenance;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import reconciler.core.GraphStatus;
import reconciler.manifest.Manifest;

/**
 * Assembles a graph's {@link MaintenanceState} (docs/maintenance.md): manifest, sidecars and
 * drift from {@link GraphStatus}, rows, fragments and indexes at each table's pin
 * ({@link TableInspector}), declared index coverage, compaction and backlog from the registry's
 * {@link MaintenanceStateContributor}s, each kind's queue and last run, the last background pass,
 * the owner, and {@code caughtUp} with the reasons it is not.
 */
final class StateAssembler implements AutoCloseable {

    private final MaintenanceHost host;
    private final MaintenanceRegistry registry;
    private final JobQueue queue;
    private final TableInspector inspector = new TableInspector();

    StateAssembler(MaintenanceHost host, MaintenanceRegistry registry, JobQueue queue) {
        this.host = host;
        this.registry = registry;
        this.queue = queue;
    }

    /**
     * Observes one graph now: status, the pinned version of every table, every contributor.
     * Never throws: a graph that cannot be read gives a state with {@code error} set.
     *
     * @param onObserved called with the status and the state when the graph could be read (for the gauges)
     */
    MaintenanceState observe(GraphRef ref, java.util.function.BiConsumer<GraphStatus, MaintenanceState> onObserved) {
        Instant now = Instant.now();
        if (ref.graphId() == null) {
            return errorState(ref, now, "graph root " + ref.root() + " has no readable manifest");
        }
        GraphStatus status;
        Manifest manifest;
        try {
            status = GraphStatus.of(ref.graph());
            manifest = ref.graph().manifests().require();
        } catch (IOException | RuntimeException e) {
            return errorState(ref, now, "cannot read graph: " + e.getMessage());
        }
        Map<String, TableInspector.Inspection> inspections = new HashMap<>();
        Map<String, String> inspectErrors = new HashMap<>();
        for (GraphStatus.TableStatus t : status.tables()) {
            try {
                inspections.put(t.table(), inspector.inspect(ref.graph().store(), t.table(), t.pinnedVersion()));
            } catch (RuntimeException e) {
                inspectErrors.put(t.table(), "cannot inspect the pinned version: " + e.getMessage());
            }
        }
        List<MaintenanceStateContributor.IndexCoverage> declared = new ArrayList<>();
        Map<String, MaintenanceState.Compaction> compaction = new HashMap<>();
        List<String> backlog = new ArrayList<>();
        List<String> contributorNames = new ArrayList<>();
        for (MaintenanceStateContributor c : registry.contributors()) {
            contributorNames.add(c.name());
            try {
                declared.addAll(c.indexCoverage(ref, manifest));
                for (MaintenanceStateContributor.CompactionInfo ci : c.compaction(ref, manifest)) {
                    TableInspector.Inspection in = inspections.get(ci.table());
                    compaction.put(ci.table(), new MaintenanceState.Compaction(in == null ? 0 : in.fragments(), in == null ? 0 : in.rows(),
                            in == null ? 0 : in.deletedRows(), ci.needed(), ci.detail(), c.name()));
                }
                for (String b : c.backlog(ref, manifest)) {
                    backlog.add(c.name() + ": " + b);
                }
            } catch (Exception e) {
                backlog.add("state contributor " + c.name() + " failed: " + e.getMessage());
            }
        }
        Optional<String> owner;
        try {
            owner = host.owner(ref.graphId());
        } catch (RuntimeException e) {
            owner = Optional.empty();
        }
        MaintenanceState s = assemble(ref, status, inspections, inspectErrors, declared, compaction, backlog, contributorNames,
                owner.orElse(null), now);
        onObserved.accept(status, s);
        return s;
    }

    private MaintenanceState errorState(GraphRef ref, Instant now, String error) {
        return new MaintenanceState(MaintenanceState.FORMAT_VERSION, ref.graphId(), ref.root(), now.toString(), null, null, false,
                new MaintenanceState.Sidecars(0, 0, 0, null, null, List.of(), List.of()), List.of(), kindStates(ref.graphId()),
                background(ref.graphId()), false, List.of("state could not be observed: " + error),
                registry.contributors().stream().map(MaintenanceStateContributor::name).toList(), error);
    }

    private MaintenanceState assemble(GraphRef ref, GraphStatus status, Map<String, TableInspector.Inspection> inspections,
                                      Map<String, String> inspectErrors, List<MaintenanceStateContributor.IndexCoverage> declared,
                                      Map<String, MaintenanceState.Compaction> compaction, List<String> backlog,
                                      List<String> contributorNames, String owner, Instant now) {
        List<String> reasons = new ArrayList<>();
        if (!host.leases().isConnected()) {
            reasons.add(NotReadyException.TYPE + ": the ZooKeeper session is not connected; nothing is recovered or maintained until it is");
        }
        reasons.addAll(sidecarAndDriftReasons(status));
        MaintenanceState.Sidecars sidecars = sidecars(status, now);
        List<MaintenanceState.TableState> tables = new ArrayList<>();
        for (GraphStatus.TableStatus t : status.tables()) {
            TableInspector.Inspection in = inspections.get(t.table());
            Map<String, MaintenanceState.IndexState> idx = new LinkedHashMap<>();
            if (in != null) {
                in.indexes().forEach(i -> idx.put(i.name(), i));
            }
            for (MaintenanceStateContributor.IndexCoverage d : declared) {
                if (!d.table().equals(t.table())) {
                    continue;
                }
                MaintenanceState.IndexState seen = idx.get(d.index());
                double cov = d.satisfied() && !d.exists() ? 1.0 // nothing to build yet
                        : d.rowsTotal() == 0 ? (d.exists() ? 1.0 : 0.0) : (double) d.rowsIndexed() / d.rowsTotal();
                idx.put(d.index(), new MaintenanceState.IndexState(d.index(), d.column(), d.type(), true, d.exists(), d.rowsIndexed(),
                        d.rowsTotal(), cov, d.uncoveredFragments(), seen == null ? null : seen.segments()));
                if (d.satisfied()) {
                    continue; // covered, or nothing to build yet: not a reason
                }
                if (!d.exists()) {
                    reasons.add("declared index " + d.index() + " on " + t.table() + " does not exist yet");
                } else if (d.rowsIndexed() < d.rowsTotal() || d.uncoveredFragments() > 0) {
                    reasons.add("index " + d.index() + " on " + t.table() + " covers " + d.rowsIndexed() + " of " + d.rowsTotal()
                            + " rows (" + d.uncoveredFragments() + " uncovered fragment(s))");
                }
            }
            MaintenanceState.Compaction comp = compaction.get(t.table());
            if (comp == null && in != null) {
                comp = new MaintenanceState.Compaction(in.fragments(), in.rows(), in.deletedRows(), null, null, "observed");
            }
            tables.add(new MaintenanceState.TableState(t.table(), t.pinnedVersion(), t.headVersion(), t.drift(),
                    in == null ? null : in.rows(), in == null ? null : in.fragments(), in == null ? null : in.deletedRows(),
                    List.copyOf(idx.values()), comp, inspectErrors.get(t.table())));
        }
        reasons.addAll(backlog);
        return new MaintenanceState(MaintenanceState.FORMAT_VERSION, status.graphId(), ref.root(), now.toString(),
                status.manifestVersion(), owner, owner != null && owner.equals(host.memberId()), sidecars, tables,
                kindStates(ref.graphId()), background(ref.graphId()), reasons.isEmpty(), reasons, contributorNames, null);
    }

    /** The not-caught-up reasons a pass's status alone gives: pending or corrupt sidecars, drift. */
    static List<String> sidecarAndDriftReasons(GraphStatus status) {
        List<String> reasons = new ArrayList<>();
        int deferred = (int) status.sidecars().stream().filter(GraphStatus.SidecarStatus::deferred).count();
        if (!status.sidecars().isEmpty()) {
            reasons.add(status.sidecars().size() + " pending sidecar(s)" + (deferred > 0 ? ", " + deferred + " of them deferred" : ""));
        }
        long left = status.sidecars().stream().filter(p -> p.reason().startsWith(reconciler.core.Recoverer.LEFT_FOR_FULL)).count();
        if (left > 0) {
            reasons.add(left + " sidecar(s) left for an operator or a full-mode pass (recoveryMode roll-forward-only: they would be "
                    + "rolled back or aborted)");
        }
        if (!status.corruptSidecars().isEmpty()) {
            reasons.add(status.corruptSidecars().size() + " corrupt sidecar file(s) (an operator must inspect them)");
        }
        for (GraphStatus.TableStatus t : status.tables()) {
            if (t.drift() != 0) {
                reasons.add("table " + t.table() + ": Lance HEAD v" + t.headVersion() + " differs from the pin v" + t.pinnedVersion()
                        + " (drift " + t.drift() + ")");
            }
        }
        return reasons;
    }

    private static MaintenanceState.Sidecars sidecars(GraphStatus status, Instant now) {
        List<MaintenanceState.SidecarItem> items = new ArrayList<>();
        Double oldestAge = null;
        String oldestOp = null;
        int deferred = 0;
        for (GraphStatus.SidecarStatus p : status.sidecars()) {
            double age = ageSeconds(p.createdAt(), now);
            items.add(new MaintenanceState.SidecarItem(p.operationId(), p.createdAt(), age, p.tables(), p.decision(), p.deferred()));
            deferred += p.deferred() ? 1 : 0;
            if (oldestAge == null || age > oldestAge) {
                oldestAge = age;
                oldestOp = p.operationId();
            }
        }
        return new MaintenanceState.Sidecars(status.sidecars().size(), deferred, status.corruptSidecars().size(), oldestAge, oldestOp,
                items, status.corruptSidecars().stream().map(GraphStatus.CorruptSidecar::key).toList());
    }

    /** Seconds from an ISO-8601 instant to {@code now}, at least 0; 0 if it does not parse. */
    static double ageSeconds(String createdAt, Instant now) {
        try {
            return Math.max(0, Duration.between(Instant.parse(createdAt), now).toMillis() / 1000.0);
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private Map<String, MaintenanceState.KindState> kindStates(String graphId) {
        Map<String, MaintenanceState.KindState> out = new LinkedHashMap<>();
        Map<String, MaintenanceJob> last = queue.lastRun(graphId);
        Collection<MaintenanceJob> all = queue.jobs(null);
        for (String k : registry.names()) {
            MaintenanceJob l = last.get(k);
            MaintenanceState.LastRun lr = null;
            if (l != null) {
                MaintenanceJob.View v = l.view();
                lr = new MaintenanceState.LastRun(v.id(), v.state(), v.startedAt(), v.finishedAt(), v.durationMs(), v.summary(),
                        v.error() == null ? null : v.error().message());
            }
            String running = null;
            int queued = 0;
            for (MaintenanceJob j : all) {
                if (j.kind().equals(k) && j.graphId().equals(graphId)) {
                    if (j.state() == MaintenanceJob.State.RUNNING) {
                        running = j.id();
                    } else if (j.state() == MaintenanceJob.State.QUEUED) {
                        queued++;
                    }
                }
            }
            out.put(k, new MaintenanceState.KindState(lr, running, queued));
        }
        return out;
    }

    private MaintenanceState.Background background(String graphId) {
        MaintenanceState.PassSummary ps = null;
        Optional<PassRecord> p = graphId == null ? Optional.empty() : host.lastPass(graphId);
        if (p.isPresent()) {
            PassRecord r = p.get();
            ps = new MaintenanceState.PassSummary(r.trigger(), r.startedAt().toString(), r.durationMillis(),
                    r.report() == null ? null : r.report().converged(), r.error());
        }
        return new MaintenanceState.Background(ps, host.pollInterval().toString(), host.eventDriven(),
                graphId != null && host.backgroundPaused(graphId));
    }

    /** Releases the table inspector (only once no job can use it). */
    @Override
    public void close() {
        inspector.close();
    }
}
