package reconciler.indexer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.apache.arrow.memory.BufferAllocator;
import org.lance.Dataset;
import org.lance.Fragment;
import org.lance.FragmentMetadata;
import org.lance.compaction.Compaction;
import org.lance.compaction.CompactionOptions;
import org.lance.compaction.CompactionPlan;
import org.lance.compaction.CompactionTask;
import org.lance.compaction.RewriteResult;
import org.lance.operation.UpdateConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reconciler.leases.LeaseManager;
import reconciler.manifest.Manifest;
import reconciler.manifest.TablePin;
import reconciler.storage.CommitInfo;
import reconciler.storage.TableKey;
import reconciler.graph.Graph;

/**
 * Compaction of one table: thresholds on the pinned version's fragment metadata, plan and execute
 * outside the lease, commit under it ({@link TableCommit}) as a labelled marker followed by
 * lance-java's {@code commitCompaction} (ReserveFragments + Rewrite, indexes remapped), checked
 * with {@link OwnRun}.
 */
final class Compactor {

    private static final Logger LOG = LoggerFactory.getLogger(Compactor.class);

    /** The dataset config key the marker sets (its value: the operation id). */
    static final String MARKER_KEY = "reconciler.compaction";

    private Compactor() {
    }

    /**
     * Whether a table needs compaction under {@code opts}' thresholds, and why: the one rule that both
     * {@code compact} and the maintenance state's {@code compaction.needed} use.
     *
     * @param needed at least {@code minSmallFragments} fragments below {@code smallFragmentFraction} of the
     *     target size, or a fragment whose deleted-row ratio reaches {@code deletedRowRatio}
     * @param why one line with the figures and thresholds
     */
    record Need(boolean needed, String why) {
    }

    static Need need(List<Fragment> frags, MaintenanceOptions opts) {
        long small = 0;
        double worstDeleted = 0;
        for (Fragment f : frags) {
            FragmentMetadata md = f.metadata();
            if (md.getNumRows() < opts.smallFragmentFraction() * opts.targetRowsPerFragment()) {
                small++;
            }
            if (md.getPhysicalRows() > 0) {
                worstDeleted = Math.max(worstDeleted, (double) md.getNumDeletions() / md.getPhysicalRows());
            }
        }
        String why = small + " small fragment(s) (threshold " + opts.minSmallFragments() + "), worst deleted-row ratio "
                + String.format(java.util.Locale.ROOT, "%.3f", worstDeleted) + " (threshold " + opts.deletedRowRatio() + ")";
        return new Need(small >= opts.minSmallFragments() || worstDeleted >= opts.deletedRowRatio(), why);
    }

    /** {@link #need} of a table at its pin. @throws RuntimeException from Lance if it cannot be opened */
    static Need need(Graph graph, String table, TablePin pin, MaintenanceOptions opts, BufferAllocator allocator) {
        try (Dataset ds = LanceAccess.open(allocator, graph, TableKey.parse(table), pin.version())) {
            return need(ds.getFragments(), opts);
        }
    }

    static CompactionReport.TableCompaction compactTable(Graph graph, LeaseManager leases, String graphId, String table, TablePin pin,
                                                         MaintenanceOptions opts, BufferAllocator allocator, ExecutorService pool,
                                                         Map<String, ProgressTracker> building, LowPriorityWorker worker)
            throws IOException, InterruptedException {
        TableKey key = TableKey.parse(table);
        CompactionOptions co = CompactionOptions.builder()
                .withTargetRowsPerFragment(opts.targetRowsPerFragment())
                .withMaterializeDeletions(true)
                .withMaterializeDeletionsThreshold((float) opts.deletedRowRatio())
                .build();
        CompactionPlan plan;
        int fragmentsBefore;
        String why;
        long rowsToRewrite = 0;
        try (Dataset ds = LanceAccess.open(allocator, graph, key, pin.version())) {
            List<Fragment> frags = ds.getFragments();
            fragmentsBefore = frags.size();
            Need need = need(frags, opts);
            why = need.why();
            if (!need.needed()) {
                return result(table, CompactionReport.Status.NOT_NEEDED, why, 0, fragmentsBefore, fragmentsBefore, pin.version(), pin.version(), null, 0, 0);
            }
            plan = Compaction.planCompaction(ds, co);
            if (plan.getCompactionTasks().isEmpty()) {
                return result(table, CompactionReport.Status.NOT_NEEDED, why + "; the planner found nothing to rewrite", 0, fragmentsBefore, fragmentsBefore,
                        pin.version(), pin.version(), null, 0, 0);
            }
            for (CompactionTask t : plan.getCompactionTasks()) {
                for (FragmentMetadata f : t.getTaskData().getFragments()) {
                    rowsToRewrite += f.getNumRows();
                }
            }
        }
        String trackerKey = graphId + "|" + table + "/*compaction*";
        ProgressTracker tracker = new ProgressTracker(graphId, table, "*compaction*", rowsToRewrite);
        building.put(trackerKey, tracker);
        try {
            long t0 = System.nanoTime();
            List<Future<RewriteResult>> fs = new ArrayList<>();
            for (CompactionTask t : plan.getCompactionTasks()) {
                fs.add(pool.submit(() -> {
                    tracker.phase("rewriting");
                    try (Dataset ds = worker != null ? null : LanceAccess.open(allocator, graph, key, pin.version())) {
                        RewriteResult r = worker != null ? worker.compact(graph, key, pin.version(), t, tracker) : t.execute(ds);
                        long rows = 0;
                        for (FragmentMetadata f : t.getTaskData().getFragments()) {
                            rows += f.getNumRows();
                        }
                        tracker.advance(rows);
                        LOG.info("compaction task {}", tracker.snapshot().line());
                        return r;
                    }
                }));
            }
            List<RewriteResult> results = new ArrayList<>();
            for (Future<RewriteResult> f : fs) {
                try {
                    results.add(f.get());
                } catch (ExecutionException e) {
                    return result(table, CompactionReport.Status.FAILED, why + "; a compaction task failed: " + IndexMaintenance.firstLine(e.getCause()),
                            plan.getCompactionTasks().size(), fragmentsBefore, fragmentsBefore, pin.version(), pin.version(), null, 0, 0);
                }
            }
            long executeMillis = (System.nanoTime() - t0) / 1_000_000;
            tracker.phase("committing");
            long planRead = plan.getReadVersion();
            TableCommit.Outcome o = TableCommit.run(graph, leases, table, IndexMaintenance.KIND_COMPACTION, Manifest.KIND_COMPACT, opts,
                    new TableCommit.Effect() {
                        @Override
                        public String precheck(Manifest m, TablePin now) {
                            // Lance keeps a Rewrite valid over Appends only; a Delete or CreateIndex in between preempts it
                            // (and would leave the ReserveFragments version behind): re-plan instead.
                            for (long v = planRead + 1; v <= now.version(); v++) {
                                Optional<CommitInfo> c = graph.tables().commitInfo(key, v);
                                String opName = c.map(CommitInfo::operation).orElse("<none>");
                                if (!opName.equals("Append")) {
                                    return "table changed by " + opName + " at version " + v + " since the plan at " + planRead + "; re-plan next round";
                                }
                            }
                            return null;
                        }

                        @Override
                        public long commit(long pinVersion, Map<String, String> properties, String operationId) {
                            try (Dataset head = LanceAccess.open(allocator, graph, key, pinVersion);
                                 Dataset marker = head.newTransactionBuilder().readVersion(pinVersion)
                                         .operation(UpdateConfig.builder().upsertValues(Map.of(MARKER_KEY, operationId)).build())
                                         .transactionProperties(properties).build().commit()) {
                                if (marker.version() != pinVersion + 1) {
                                    throw new IllegalStateException("compaction marker landed at " + marker.version() + ", expected " + (pinVersion + 1));
                                }
                                opts.failpoints().hit(IndexMaintenance.KIND_COMPACTION, "after-marker", operationId);
                                Compaction.commitCompaction(marker, results, co);
                            }
                            return graph.tables().headVersion(key);
                        }

                        @Override
                        public String verify(Graph g, TableKey t, String operationId, long token, long pinVersion, long head) {
                            return OwnRun.check(g, t, operationId, token, pinVersion, head);
                        }
                    });
            int fragmentsAfter = fragmentsBefore;
            if (o.status() == CommitStatus.COMMITTED) {
                try (Dataset ds = LanceAccess.open(allocator, graph, key, o.toVersion())) {
                    fragmentsAfter = ds.getFragments().size();
                }
            }
            LOG.info("graph {} table {}: compaction {}: {}", graphId, table, o.status(), o.message());
            return result(table, CompactionReport.Status.of(o.status()), why + "; " + o.message(), plan.getCompactionTasks().size(), fragmentsBefore, fragmentsAfter,
                    o.fromVersion() == 0 ? pin.version() : o.fromVersion(), o.toVersion() == 0 ? pin.version() : o.toVersion(),
                    o.operationId(), o.manifestVersion(), executeMillis);
        } finally {
            building.remove(trackerKey);
        }
    }

    private static CompactionReport.TableCompaction result(String table, CompactionReport.Status status, String detail, int tasks, int before, int after,
                                                           long from, long to, String op, long manifest, long millis) {
        return new CompactionReport.TableCompaction(table, status, detail, tasks, before, after, from, to, op, manifest, millis);
    }
}
