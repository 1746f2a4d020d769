package reconciler.core;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import reconciler.manifest.Manifest;
import reconciler.manifest.TablePin;
import reconciler.sidecar.Sidecar;
import reconciler.sidecar.SidecarEntry;
import reconciler.storage.TableKey;
import reconciler.graph.Graph;

/**
 * A read-only snapshot of a graph's health: manifest, pins vs Lance HEAD, pending sidecars with
 * the decision the reconciler would take (a dry run: no leases, nothing written). Field names are
 * the {@code --json} contract documented in README.md.
 *
 * @param root the graph root
 * @param graphId the graph id
 * @param manifestVersion the latest manifest version
 * @param tables per table: pin, HEAD, fencing token
 * @param sidecars pending sidecars with their dry-run decision
 * @param corruptSidecars refused sidecar files (kept on disk)
 * @param converged no sidecar pending (on any branch) and pin == HEAD for every table (and every forked table of a branch)
 * @param owner the daemon that owns the graph (member id), or null if unknown or unowned
 * @param branches per listed branch: its manifest version and its forked tables' pin vs HEAD on the branch's
 *     Lance branch (tables not forked are read at the parent's pins and have no drift of their own)
 */
public record GraphStatus(String root, String graphId, long manifestVersion, List<TableStatus> tables,
                          List<SidecarStatus> sidecars, List<CorruptSidecar> corruptSidecars, boolean converged, String owner,
                          List<BranchStatus> branches) {

    /**
     * @param branch the branch name
     * @param manifestVersion the latest version of its sequence
     * @param tables its forked tables: pin, HEAD on its Lance branch, fencing token, drift
     */
    public record BranchStatus(String branch, long manifestVersion, List<TableStatus> tables) {
    }

    /**
     * This status with the sidecars a roll-forward-only pass left ({@code operationIds}) marked: their reason starts
     * with {@link Recoverer#LEFT_FOR_FULL}, which {@code status} and the maintenance state report.
     */
    public GraphStatus withLeftForFullPass(java.util.Set<String> operationIds) {
        if (operationIds.isEmpty()) {
            return this;
        }
        List<SidecarStatus> marked = sidecars.stream().map(p -> !operationIds.contains(p.operationId()) || p.reason().startsWith(Recoverer.LEFT_FOR_FULL)
                ? p : new SidecarStatus(p.operationId(), p.writerKind(), p.writer(), p.createdAt(), p.tables(), p.decision(),
                Recoverer.LEFT_FOR_FULL + p.reason(), p.deferred(), p.branch())).toList();
        return new GraphStatus(root, graphId, manifestVersion, tables, marked, corruptSidecars, converged, owner, branches);
    }

    /** This status with the owning daemon filled in. */
    public GraphStatus withOwner(String owner) {
        return new GraphStatus(root, graphId, manifestVersion, tables, sidecars, corruptSidecars, converged, owner, branches);
    }

    /**
     * @param table table key
     * @param pinnedVersion manifest pin
     * @param headVersion Lance HEAD
     * @param fencingToken recorded fencing token
     * @param drift HEAD - pin
     */
    public record TableStatus(String table, long pinnedVersion, long headVersion, long fencingToken, long drift) {
    }

    /**
     * @param operationId the operation
     * @param writerKind writer kind
     * @param writer host:pid
     * @param createdAt creation time (ISO-8601)
     * @param tables table keys
     * @param decision FINISH, ABORT, ROLL_FORWARD, ROLL_BACK or DEFER
     * @param reason why
     * @param deferred whether a deferral was already audited
     * @param branch the graph branch the sidecar belongs to ({@code main}, a listed branch, or a deleted one: decision
     *     {@code DISCARD_ORPHAN})
     */
    public record SidecarStatus(String operationId, String writerKind, String writer, String createdAt, List<String> tables,
                                String decision, String reason, boolean deferred, String branch) {
    }

    /**
     * @param key storage key
     * @param reason why it was refused
     */
    public record CorruptSidecar(String key, String reason) {
    }

    /** Takes the snapshot. @throws IOException on a storage error or if the root is not a graph */
    public static GraphStatus of(Graph graph) throws IOException {
        Manifest m = graph.manifests().require();
        List<TableStatus> tables = heads(graph, m);
        boolean converged = tables.stream().allMatch(t -> t.drift() == 0);
        List<SidecarStatus> pending = new ArrayList<>();
        List<CorruptSidecar> corrupt = new ArrayList<>();
        for (SidecarEntry entry : graph.sidecars().list(m)) {
            converged = false;
            if (entry instanceof SidecarEntry.Corrupt c) {
                corrupt.add(new CorruptSidecar(c.key(), c.reason()));
                continue;
            }
            pending.add(pending(graph, m, ((SidecarEntry.Valid) entry).sidecar()));
        }
        List<BranchStatus> branchStatus = new ArrayList<>();
        for (String name : m.branches().keySet()) {
            Graph view = graph.onBranch(name);
            Manifest bm = view.manifests().require();
            List<TableStatus> forked = new ArrayList<>();
            for (Map.Entry<String, TablePin> e : bm.tables().entrySet()) {
                if (view.lanceBranch().equals(e.getValue().lanceBranch())) {
                    long head = view.tables().headVersion(TableKey.parse(e.getKey()));
                    forked.add(new TableStatus(e.getKey(), e.getValue().version(), head, e.getValue().fencingToken(),
                            head - e.getValue().version()));
                    converged &= head == e.getValue().version();
                }
            }
            branchStatus.add(new BranchStatus(name, bm.version(), forked));
            for (SidecarEntry entry : view.sidecars().list(bm)) {
                if (entry instanceof SidecarEntry.Valid v) {
                    converged = false;
                    pending.add(pending(view, bm, v.sidecar()));
                }
            }
        }
        for (Sidecar s : graph.sidecars().orphans(m)) {
            converged = false;
            pending.add(new SidecarStatus(s.operationId(), s.writerKind(), s.writer().host() + ":" + s.writer().pid(), s.createdAt().toString(),
                    s.tableKeys(), "DISCARD_ORPHAN", "branch " + s.branch() + " was deleted", false, s.branch()));
        }
        return new GraphStatus(graph.store().root(), m.graphId(), m.version(), tables, pending, corrupt, converged, null, branchStatus);
    }

    /** The dry-run decision on one sidecar of {@code view}'s branch. */
    private static SidecarStatus pending(Graph view, Manifest m, Sidecar s) throws IOException {
        String decision;
        String reason;
        try {
            Classifier.Decision d;
            if (reconciler.graph.CommitWindow.FORK_KIND.equals(s.writerKind()) && view.branchRecord() != null) {
                TableKey key = TableKey.parse(s.tables().get(0).tableKey());
                java.util.Optional<Long> head = view.main().tables().branches().list(key).contains(view.lanceBranch())
                        ? java.util.Optional.of(view.tables().headVersion(key)) : java.util.Optional.empty();
                d = BranchClassifier.classifyFork(s, view.manifests().findOperation(s.operationId(), s.baseManifestVersion()),
                        m.pin(key.toString()), view.lanceBranch(), head);
            } else {
                d = Classifier.classify(s, view.manifests().findOperation(s.operationId(), s.baseManifestVersion()), Recoverer.observe(view, s, m));
            }
            decision = d.action().name();
            reason = d.reason();
        } catch (RuntimeException ex) {
            decision = "UNKNOWN";
            reason = "cannot classify: " + ex.getMessage();
        }
        boolean deferred = view.store().read(AuditRecord.key(s.operationId(), AuditRecord.DEFERRED)).isPresent();
        return new SidecarStatus(s.operationId(), s.writerKind(), s.writer().host() + ":" + s.writer().pid(),
                s.createdAt().toString(), s.tableKeys(), decision, reason, deferred, s.branch());
    }

    /**
     * The snapshot of a graph found idle: {@code m} is its latest manifest and a sidecar listing taken
     * after {@code m} was read came back empty. Reads only the tables' HEADs (one listing each); if every
     * HEAD equals its pin the graph was converged when the listing was taken (HEADs only grow, and a
     * newer manifest would have moved a pin past a HEAD), and that is the snapshot. If a table drifted,
     * the full snapshot is taken instead ({@link #of(Graph)}: sidecars listed after the HEADs, so a
     * writer's sidecar written meanwhile is seen and its commit is not mistaken for uncovered drift).
     *
     * @throws IOException on a storage error
     */
    public static GraphStatus ofIdle(Graph graph, Manifest m) throws IOException {
        List<TableStatus> tables = heads(graph, m);
        if (tables.stream().anyMatch(t -> t.drift() != 0)) {
            return of(graph);
        }
        if (!m.branches().isEmpty()) {
            return of(graph); // branches have their own sidecars and forks to look at
        }
        return new GraphStatus(graph.store().root(), m.graphId(), m.version(), tables, List.of(), List.of(), true, null, List.of());
    }

    private static List<TableStatus> heads(Graph graph, Manifest m) {
        List<TableStatus> tables = new ArrayList<>();
        for (Map.Entry<String, TablePin> e : m.tables().entrySet()) {
            long head = graph.tables().headVersion(TableKey.parse(e.getKey()));
            tables.add(new TableStatus(e.getKey(), e.getValue().version(), head, e.getValue().fencingToken(), head - e.getValue().version()));
        }
        return tables;
    }

}
