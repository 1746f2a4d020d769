package reconciler.graph;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reconciler.leases.GraphEvents;
import reconciler.leases.LeaseException;
import reconciler.leases.LeaseManager;
import reconciler.leases.LeaseSet;
import reconciler.manifest.BranchRecord;
import reconciler.manifest.Manifest;
import reconciler.manifest.ManifestConflictException;
import reconciler.manifest.TablePin;
import reconciler.sidecar.Sidecar;
import reconciler.sidecar.SidecarEntry;
import reconciler.storage.TableKey;

/**
 * Branches of one graph (docs/protocol.md "Branches"): create, list, delete, merge. The branch list in
 * main's manifest is the authority for "a branch exists"; each branch has its own manifest sequence and
 * forks a table onto its own Lance branch on the first write to it ({@link CommitWindow#fork}).
 */
public final class GraphBranches {

    private static final Logger LOG = LoggerFactory.getLogger(GraphBranches.class);

    /** The writer kind of a merge's transaction on the target branch. */
    public static final String MERGE_KIND = "branch-merge";

    private final Graph graph;
    private final LeaseManager leases;
    private final Duration leaseTimeout;
    private final Failpoints failpoints;

    /** @param graph the main graph */
    public GraphBranches(Graph graph, LeaseManager leases, Duration leaseTimeout, Failpoints failpoints) {
        this.graph = graph.main();
        this.leases = leases;
        this.leaseTimeout = leaseTimeout;
        this.failpoints = failpoints;
    }

    /** The branches main's latest manifest lists, by name. @throws IOException if it cannot be read */
    public SortedMap<String, BranchRecord> list() throws IOException {
        return graph.manifests().require().branches();
    }

    /**
     * Creates branch {@code name} from branch {@code from} at its manifest version {@code atVersion}: writes
     * version 1 of the branch's sequence (the pins of that version, fencing tokens reset: a branch's leases
     * count their own tokens), then publishes main with the branch listed (kind {@code branch_create}).
     * Nothing is copied: tables are forked on their first write. A crash between the two leaves an unlisted
     * sequence under a fresh id, which nothing reads.
     *
     * @param from {@code main} or a listed branch
     * @param atVersion a manifest version of {@code from}, or null for its latest
     * @return the new branch's record
     * @throws IllegalArgumentException for a bad name, an unknown {@code from} or version, or a version whose pins cleanup removed
     * @throws ManifestConflictException if the branch exists
     * @throws RecoveryRequiredException if sidecars of an earlier branch of that name are still pending
     * @throws IOException on a storage error
     */
    public BranchRecord create(String name, String from, Long atVersion) throws IOException, ManifestConflictException,
            RecoveryRequiredException {
        BranchRecord.checkName(name);
        Manifest main = graph.manifests().require();
        if (main.branches().containsKey(name)) {
            throw ManifestConflictException.branch(main.graphId(), name, main.version(), "exists already");
        }
        for (SidecarEntry e : graph.sidecars().list()) {
            if (e instanceof SidecarEntry.Valid v && name.equals(v.sidecar().branch())) {
                throw new RecoveryRequiredException(v.sidecar().operationId(), "sidecar " + e.key() + " of an earlier branch '" + name
                        + "' is still pending; run the reconciler (it discards it) before creating the branch again", null);
            }
        }
        Graph source = graph.onBranch(from == null ? Manifest.MAIN_BRANCH : from);
        Manifest at = atVersion == null ? source.manifests().require() : source.manifests().read(atVersion).orElseThrow(() ->
                new IllegalArgumentException("branch " + source.branch() + " of graph " + main.graphId() + " has no manifest version " + atVersion));
        if (atVersion != null) { // an older version's pins may have been removed by cleanup: a branch must be readable
            reconciler.storage.LanceTables pinned = graph.tablesAt(at);
            for (java.util.Map.Entry<String, TablePin> e : at.tables().entrySet()) {
                try (org.lance.Dataset ds = pinned.openAt(TableKey.parse(e.getKey()), e.getValue().version())) {
                    ds.version();
                } catch (RuntimeException gone) {
                    throw new IllegalArgumentException("version " + atVersion + " of branch " + source.branch() + " pins " + e.getKey()
                            + " v" + e.getValue().version() + ", which cannot be opened (removed by cleanup?): " + gone.getMessage());
                }
            }
        }
        String id = OperationIds.next();
        BranchRecord record = new BranchRecord(id, source.branch(), at.version(), Instant.now());
        SortedMap<String, TablePin> pins = new TreeMap<>();
        at.tables().forEach((t, p) -> pins.put(t, new TablePin(p.version(), 0, p.columns(), p.indexes(), p.lanceBranch())));
        reconciler.manifest.BranchManifests.initBranch(new reconciler.manifest.ManifestStore(graph.store(), record.manifestDir()), main.graphId(), name, id, pins);
        reconciler.manifest.BranchManifests.publishBranches(graph.manifests(), id, Manifest.KIND_BRANCH_CREATE, (latest, branches, deleted) -> {
            if (branches.containsKey(name)) {
                throw ManifestConflictException.branch(latest.graphId(), name, latest.version(), "exists already");
            }
            branches.put(name, record);
            deleted.remove(name);
        });
        GraphEvents.signalChange(leases.session(), main.graphId());
        return record;
    }

    /**
     * What a delete did.
     *
     * @param manifestVersion main's version that no longer lists the branch
     * @param orphaned operation ids of pending sidecars of the branch left for the reconciler to discard
     * @param forksReclaimed Lance branches deleted
     * @param forksLeft Lance branches that could not be deleted now (reclaimed by a later delete or the orphan discard)
     */
    public record Deleted(long manifestVersion, List<String> orphaned, int forksReclaimed, List<String> forksLeft) {
    }

    /**
     * Deletes branch {@code name}: under the leases of every table on that branch (no writer of it is live),
     * refuses while it has pending sidecars unless {@code discardPending}; publishes main without it (the name
     * goes to {@code deletedBranches}, so its remaining sidecars are orphaned and discarded once by the
     * reconciler, {@code orphaned_branch_discarded}); then reclaims its Lance branches.
     *
     * @throws BranchNotFoundException if main does not list it
     * @throws IllegalStateException if another branch was forked from it (delete that one first)
     * @throws RecoveryRequiredException if it has pending sidecars and {@code discardPending} is false
     * @throws LeaseException if the leases cannot be taken in time
     * @throws IOException on a storage error
     */
    public Deleted delete(String name, boolean discardPending) throws IOException, RecoveryRequiredException, LeaseException,
            InterruptedException, ManifestConflictException {
        Graph view = graph.onBranch(name);
        if (view == graph) {
            throw new IllegalArgumentException("the main branch cannot be deleted");
        }
        Manifest main = graph.manifests().require();
        List<String> children = main.branches().entrySet().stream().filter(e -> name.equals(e.getValue().parent())).map(java.util.Map.Entry::getKey).toList();
        if (!children.isEmpty()) {
            throw new IllegalStateException("branch " + name + " is the parent of " + String.join(", ", children)
                    + ", which may read its forks; delete those first");
        }
        Manifest bm = view.manifests().require();
        List<String> orphaned = new ArrayList<>();
        Manifest published;
        try (LeaseSet lease = leases.acquire(main.graphId(), name, bm.tables().keySet(), leaseTimeout)) {
            for (SidecarEntry e : graph.sidecars().list(view.manifests().require())) {
                if (e instanceof SidecarEntry.Valid v) {
                    orphaned.add(v.sidecar().operationId());
                }
            }
            if (!orphaned.isEmpty() && !discardPending) {
                throw new RecoveryRequiredException(orphaned.get(0), "branch " + name + " has pending sidecars " + orphaned
                        + ": heal them first (reconciler run --once) or delete with --discard-pending (they are then discarded as"
                        + " orphaned_branch_discarded, their effects reclaimed with the branch's forks)", null);
            }
            lease.checkValid();
            BranchRecord rec = view.branchRecord();
            published = reconciler.manifest.BranchManifests.publishBranches(graph.manifests(), OperationIds.next(), Manifest.KIND_BRANCH_DELETE, (latest, branches, deleted) -> {
                if (!rec.equals(branches.get(name))) {
                    throw ManifestConflictException.branch(latest.graphId(), name, latest.version(), "changed meanwhile");
                }
                branches.remove(name);
                deleted.add(name);
            });
        }
        GraphEvents.signalChange(leases.session(), main.graphId());
        int reclaimed = 0;
        List<String> left = new ArrayList<>();
        for (String t : bm.tables().keySet()) {
            try {
                reclaimed += reclaimForks(graph, t, name, published) ? 1 : 0;
            } catch (RuntimeException e) {
                LOG.warn("branch {} deleted but a fork of {} could not be reclaimed now: {}", name, t, e.toString());
                left.add(t);
            }
        }
        return new Deleted(published.version(), orphaned, reclaimed, left);
    }

    /**
     * Deletes the Lance branches of {@code table} made for branch {@code name} by an incarnation main no longer
     * lists ({@code <name>.<id>} with an id that is not the listed one's). Idempotent.
     *
     * @param main main's latest manifest (the authority)
     * @return whether one was deleted
     */
    public static boolean reclaimForks(Graph graph, String table, String name, Manifest main) {
        BranchRecord live = main.branches().get(name);
        boolean any = false;
        TableKey key = TableKey.parse(table);
        for (String lance : graph.main().tables().branches().list(key)) {
            if (lance.startsWith(name + ".") && (live == null || !lance.equals(live.lanceBranch(name)))) {
                any |= graph.main().tables().branches().delete(key, lance);
            }
        }
        return any;
    }

    /**
     * What a merge did.
     *
     * @param tables the tables taken from the source (empty: the target already had everything)
     * @param result the target's transaction, or null when nothing was merged
     */
    public record Merged(List<String> tables, GraphTransaction.Result result) {
    }

    /**
     * Merges branch {@code source} into {@code target}, its parent, table by table against the fork point
     * (the source's version 1): a table only the source changed is taken from the source (its rows at the
     * source's pin replace the target's, as one transaction on the target: leases, sidecar, recovery as for any
     * writer); a table only the target changed is kept; a table both changed is a conflict and the merge is
     * refused naming every such table. When the target changed no table since the fork this is a fast-forward.
     *
     * @throws MergeConflictException if both changed a table (nothing written)
     * @throws IllegalArgumentException if {@code target} is not the source's parent, or either is unknown
     */
    public Merged merge(String source, String target) throws IOException, MergeConflictException, RecoveryRequiredException,
            DriftException, ManifestConflictException, LeaseException, InterruptedException {
        Graph src = graph.onBranch(source);
        if (src == graph) {
            throw new IllegalArgumentException("main has no parent to merge into");
        }
        String into = target == null ? src.branchRecord().parent() : target;
        if (!into.equals(src.branchRecord().parent())) {
            throw new IllegalArgumentException("branch " + source + " was forked from " + src.branchRecord().parent()
                    + "; it merges only into its parent, not " + into);
        }
        Graph tgt = graph.onBranch(into);
        Manifest fork = src.manifests().read(1).orElseThrow(() -> new IOException("branch " + source + " has no manifest version 1"));
        Manifest srcLatest = src.manifests().require();
        Manifest tgtLatest = tgt.manifests().require();
        List<String> take = new ArrayList<>();
        List<String> conflicts = new ArrayList<>();
        for (String t : srcLatest.tables().keySet()) {
            TablePin at = fork.tables().get(t);
            TablePin s = srcLatest.pin(t);
            TablePin g = tgtLatest.tables().get(t);
            boolean sourceChanged = at == null || s.version() != at.version();
            boolean targetChanged = at == null || g == null || g.version() != at.version() || !Objects.equals(g.lanceBranch(), at.lanceBranch());
            if (sourceChanged && targetChanged) {
                conflicts.add(t);
            } else if (sourceChanged) {
                take.add(t);
            }
        }
        if (!conflicts.isEmpty()) {
            throw new MergeConflictException(srcLatest.graphId(), source, into, conflicts);
        }
        if (take.isEmpty()) {
            return new Merged(List.of(), null);
        }
        try (GraphSnapshot snap = new GraphSnapshot(src, srcLatest);
             GraphTransaction tx = new GraphTransaction(tgt, leases, MERGE_KIND, leaseTimeout, failpoints)) {
            for (String t : take) {
                tx.overwrite(t, snap.scan(t, List.of(), null, 0)); // the staging consumes and closes the scan
            }
            return new Merged(take, tx.commit());
        }
    }
}
