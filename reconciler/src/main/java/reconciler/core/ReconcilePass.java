package reconciler.core;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reconciler.manifest.Manifest;
import reconciler.sidecar.SidecarEntry;
import reconciler.graph.Graph;

/**
 * One reconcile pass over one graph: every pending sidecar in ULID order is recovered (each with a
 * fresh manifest snapshot, re-read under its leases), then the graph's status is taken. An idle
 * graph (no sidecar) costs one manifest listing (the cached version is not read again), one
 * sidecar listing and one HEAD listing per table ({@link GraphStatus#ofIdle}).
 */
public final class ReconcilePass {

    private static final Logger LOG = LoggerFactory.getLogger(ReconcilePass.class);

    private final Recoverer recoverer;
    private final BranchRecovery branches;

    /** A pass that recovers with {@code recoverer}, and branch-particular sidecars with its leases, audit log and failpoints. */
    public ReconcilePass(Recoverer recoverer) {
        this.recoverer = recoverer;
        this.branches = new BranchRecovery(recoverer.leases(), recoverer.audit(), recoverer.failpoints());
    }

    /**
     * @param results what happened to each sidecar
     * @param status the graph's status after the pass
     */
    public record Report(List<Recoverer.Result> results, GraphStatus status) {
        /** Whether the graph converged: no sidecar left, pin == HEAD everywhere. */
        public boolean converged() {
            return status.converged();
        }
    }

    /** Runs the pass, waiting up to the configured lease wait for busy leases. */
    public Report run(Graph graph) throws IOException, InterruptedException {
        return run(graph, null);
    }

    /**
     * Runs the pass: recovers every pending sidecar, then reverts drift that no sidecar covers when
     * it is provably made of fenced-off commits, then takes the graph's status.
     *
     * @param wait how long to wait for busy leases, or null for the recoverer's configured wait
     * @throws IOException if the sidecars cannot be listed or the status cannot be taken
     */
    public Report run(Graph graph, java.time.Duration wait) throws IOException, InterruptedException {
        return run(graph, wait, false);
    }

    /**
     * Like {@link #run(Graph, java.time.Duration)}, in a recovery mode: with {@code rollForwardOnly} sidecars that
     * would be aborted or rolled back are left (reported as DEFERRED with their action). Main's sidecars first, then
     * each listed branch's (each against its own manifest), then orphaned-branch sidecars are discarded; a branch's
     * sidecars never wait for another branch's.
     */
    public Report run(Graph graph, java.time.Duration wait, boolean rollForwardOnly) throws IOException, InterruptedException {
        java.time.Duration w = wait == null ? recoverer.leaseWait() : wait;
        List<Recoverer.Result> results = new ArrayList<>();
        Manifest main = graph.manifests().require();
        int listed = recoverBranch(graph, main, w, rollForwardOnly, results, true);
        for (String name : main.branches().keySet()) {
            Graph view;
            try {
                view = graph.onBranch(name);
            } catch (reconciler.graph.BranchNotFoundException gone) {
                continue; // deleted since: its sidecars are orphans, discarded below or by the next pass
            }
            listed += recoverBranch(view, view.manifests().require(), w, rollForwardOnly, results, false);
        }
        if (!main.deletedBranches().isEmpty()) { // no deleted branch, no orphan: no listing
            for (reconciler.sidecar.Sidecar s : graph.sidecars().orphans(graph.manifests().require())) {
                log(graph, s, branches.discardOrphan(graph, s, w), results);
                listed++;
            }
        }
        // idle (nothing listed, no branches): the manifest and the empty listing are reused, only the HEADs are read
        GraphStatus status = listed == 0 && main.branches().isEmpty() ? GraphStatus.ofIdle(graph, main)
                : GraphStatus.of(graph).withLeftForFullPass(results.stream()
                        .filter(r -> r.message() != null && r.message().startsWith(Recoverer.LEFT_FOR_FULL)).map(Recoverer.Result::operationId)
                        .collect(java.util.stream.Collectors.toSet()));
        boolean repaired = false;
        java.util.Set<String> covered = new java.util.HashSet<>();
        status.sidecars().stream().filter(p -> Graph.MAIN_BRANCH.equals(p.branch())).forEach(p -> covered.addAll(p.tables()));
        for (GraphStatus.TableStatus t : status.tables()) {
            if (t.drift() > 0 && !covered.contains(t.table()) && status.corruptSidecars().isEmpty()) {
                Recoverer.Result r = recoverer.repairDrift(graph, status.graphId(), t.table(),
                        wait == null ? recoverer.leaseWait() : wait);
                (r.status() == Recoverer.Status.BUSY ? LOG.atDebug() : LOG.atInfo())
                        .addKeyValue("graph", status.graphId()).addKeyValue("operationId", r.operationId())
                        .addKeyValue("table", t.table()).addKeyValue("outcome", r.status().name())
                        .log("graph root {} drift on {}: {} {}", graph.store().root(), t.table(), r.status(), r.message());
                results.add(r);
                repaired |= r.status() == Recoverer.Status.RESOLVED;
            }
        }
        for (GraphStatus.BranchStatus b : status.branches()) {
            java.util.Set<String> coveredOnBranch = new java.util.HashSet<>();
            status.sidecars().stream().filter(p -> b.branch().equals(p.branch())).forEach(p -> coveredOnBranch.addAll(p.tables()));
            for (GraphStatus.TableStatus t : b.tables()) {
                if (t.drift() > 0 && !coveredOnBranch.contains(t.table()) && status.corruptSidecars().isEmpty()) {
                    Graph view;
                    try {
                        view = graph.onBranch(b.branch());
                    } catch (reconciler.graph.BranchNotFoundException gone) {
                        continue;
                    }
                    Recoverer.Result r = recoverer.repairDrift(view, status.graphId(), t.table(), wait == null ? recoverer.leaseWait() : wait);
                    LOG.atInfo().addKeyValue("graph", status.graphId()).addKeyValue("operationId", r.operationId())
                            .addKeyValue("table", t.table()).addKeyValue("outcome", r.status().name())
                            .log("graph root {} branch {} drift on {}: {} {}", graph.store().root(), b.branch(), t.table(), r.status(), r.message());
                    results.add(r);
                    repaired |= r.status() == Recoverer.Status.RESOLVED;
                }
            }
        }
        return new Report(results, repaired ? GraphStatus.of(graph).withLeftForFullPass(status.sidecars().stream()
                .filter(p -> p.reason().startsWith(Recoverer.LEFT_FOR_FULL)).map(GraphStatus.SidecarStatus::operationId)
                .collect(java.util.stream.Collectors.toSet())) : status);
    }

    /** Recovers one branch's listed sidecars in order. @return how many entries were listed (corrupt ones included) */
    private int recoverBranch(Graph view, Manifest m, java.time.Duration wait, boolean rollForwardOnly, List<Recoverer.Result> results,
                              boolean logCorrupt) throws InterruptedException, IOException {
        List<SidecarEntry> listed = view.sidecars().list(m);
        for (SidecarEntry e : listed) {
            if (e instanceof SidecarEntry.Corrupt c) {
                if (logCorrupt) {
                    LOG.error("graph root {}: {}", view.store().root(), c.reason());
                }
                continue;
            }
            reconciler.sidecar.Sidecar s = ((SidecarEntry.Valid) e).sidecar();
            Recoverer.Result r = reconciler.graph.CommitWindow.FORK_KIND.equals(s.writerKind()) && view.branchRecord() != null
                    ? branches.recoverFork(view, s, wait, rollForwardOnly) : recoverer.recover(view, s, wait, rollForwardOnly);
            log(view, s, r, results);
        }
        return listed.size();
    }

    private static void log(Graph graph, reconciler.sidecar.Sidecar s, Recoverer.Result r, List<Recoverer.Result> results) {
        // a live writer holding the leases (BUSY) is the normal case while it writes, not an action
        (r.status() == Recoverer.Status.BUSY ? LOG.atDebug() : LOG.atInfo())
                .addKeyValue("graph", s.graphId()).addKeyValue("operationId", r.operationId())
                .addKeyValue("outcome", r.action() == null ? r.status().name() : r.action().name())
                .log("graph root {} branch {} sidecar {}: {} {}", graph.store().root(), s.branch(), r.operationId(), r.status(), r.message());
        results.add(r);
    }
}
