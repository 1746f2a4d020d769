package reconciler.maintenance;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import reconciler.indexer.CleanupReport;
import reconciler.indexer.CompactionReport;
import reconciler.indexer.ConvergeReport;
import reconciler.indexer.GraphCoverage;
import reconciler.indexer.IndexMaintenance;
import reconciler.indexer.LowPriorityWorker;
import reconciler.indexer.MaintenanceOptions;
import reconciler.indexer.TableCoverage;
import reconciler.manifest.Manifest;

/**
 * Plugs the indexer (docs/indexes.md) into the maintenance API: the kinds {@code reindex}
 * (converge every declared index to full coverage at the pins, staged builds), {@code compact}
 * (Lance compaction, sidecar-protected) and {@code cleanup} (old Lance versions no retained
 * manifest pins), and a state contributor reporting declared-index coverage, so {@code caughtUp}
 * includes full coverage. One {@link IndexMaintenance} per process (bounded build pool).
 */
public final class IndexerProvider implements MaintenanceProvider {

    private static volatile IndexMaintenance shared;
    private static volatile boolean lowPriority = true;

    /**
     * The process's index maintenance (created on first use). Writers first by default: its staged
     * builds and compaction rewrites run in a child process under {@code nice -n 19} and
     * {@code ionice -c 3} ({@link LowPriorityWorker}); see {@link #configure}.
     */
    public static IndexMaintenance maintenance() {
        IndexMaintenance m = shared;
        if (m == null) {
            synchronized (IndexerProvider.class) {
                if (shared == null) {
                    IndexMaintenance im = new IndexMaintenance(MaintenanceOptions.defaults());
                    im.setWorker(lowPriority ? LowPriorityWorker.forThisJvm(19, true) : null);
                    shared = im;
                }
                m = shared;
            }
        }
        return m;
    }

    /**
     * Applies the config key {@code indexerPriority}: {@code true} ({@code low}, the default) runs
     * index builds and compaction rewrites in a low-priority child process; {@code false}
     * ({@code normal}) runs them on this process's threads. Takes effect for builds started
     * afterwards.
     */
    public static void configure(boolean low) {
        synchronized (IndexerProvider.class) {
            lowPriority = low;
            IndexMaintenance m = shared;
            if (m != null && (m.worker() != null) != low) {
                m.setWorker(low ? LowPriorityWorker.forThisJvm(19, true) : null);
            }
        }
    }

    @Override
    public List<MaintenanceKind> kinds(MaintenanceHost host) {
        return List.of(
                MaintenanceKind.of(MaintenanceKind.REINDEX, MaintenanceKind.RESERVED.get(MaintenanceKind.REINDEX)
                        + ": staged builds of missing, partial and drifted declared indexes, committed under the table lease", IndexerProvider::reindex),
                MaintenanceKind.of(MaintenanceKind.COMPACT, MaintenanceKind.RESERVED.get(MaintenanceKind.COMPACT)
                        + ": Lance compaction planned and executed outside the lease, committed and published under it", IndexerProvider::compact),
                MaintenanceKind.of("cleanup", "remove old Lance versions that no retained manifest version, tag or branch pins (never HEAD)",
                        IndexerProvider::cleanup));
    }

    @Override
    public List<MaintenanceStateContributor> stateContributors(MaintenanceHost host) {
        return List.of(new Coverage());
    }

    /** {@code reindex}: converge rounds until every declared index is covered (or no progress). */
    private static MaintenanceResult reindex(MaintenanceContext ctx) throws Exception {
        List<Object> rounds = new ArrayList<>();
        ConvergeReport r = null;
        for (int round = 1; round <= 5 && !ctx.stopping(); round++) {
            ctx.progress((round - 1) / 5.0, "converge round " + round);
            r = maintenance().converge(ctx.graph(), ctx.host().leases());
            rounds.add(Map.of("round", round, "actions", r.actions().size(), "converged", r.converged()));
            if (r.converged() || r.actions().isEmpty() || r.recoveryRequired()) {
                break;
            }
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("rounds", rounds);
        d.put("converged", r != null && r.converged());
        d.put("recoveryRequired", r != null && r.recoveryRequired());
        return new MaintenanceResult(r != null && r.converged() ? "every declared index covered at the pins"
                : "index coverage NOT converged (see backlog)", d);
    }

    /** {@code compact}: Lance compaction of tables over the thresholds. */
    private static MaintenanceResult compact(MaintenanceContext ctx) throws Exception {
        CompactionReport r = maintenance().compact(ctx.graph(), ctx.host().leases());
        return new MaintenanceResult(r.tables().size() + " table(s) considered", Map.of("tables", r.tables()));
    }

    /** {@code cleanup}: remove old Lance versions no retained manifest pins. */
    private static MaintenanceResult cleanup(MaintenanceContext ctx) throws Exception {
        CleanupReport r = maintenance().cleanup(ctx.graph(), ctx.host().leases());
        return new MaintenanceResult(r.tables().size() + " table(s) cleaned, " + r.retainedManifests().size()
                + " manifest version(s) retained", Map.of("tables", r.tables(), "retainedManifests", r.retainedManifests()));
    }

    /** Declared-index coverage at the pins (metadata only). */
    static final class Coverage implements MaintenanceStateContributor {
        @Override
        public String name() {
            return "indexer";
        }

        @Override
        public List<IndexCoverage> indexCoverage(GraphRef graph, Manifest manifest) throws Exception {
            GraphCoverage c = maintenance().coverage(graph.graph());
            List<IndexCoverage> out = new ArrayList<>();
            for (TableCoverage t : c.tables()) {
                for (reconciler.indexer.IndexCoverage i : t.indexes()) {
                    if (i.declared()) {
                        out.add(new IndexCoverage(i.table(), i.index(), String.join(",", i.columns()), i.type(), i.present(),
                                i.rowsIndexed(), i.rowsTotal(), i.uncoveredFragments().size(), i.satisfied()));
                    }
                }
            }
            return out;
        }

        /** Compaction state by the thresholds the {@code compact} kind applies (the indexer's defaults). */
        @Override
        public List<CompactionInfo> compaction(GraphRef graph, Manifest manifest) throws Exception {
            List<CompactionInfo> out = new ArrayList<>();
            maintenance().compactionNeeded(graph.graph()).forEach((table, n) -> out.add(new CompactionInfo(table, n.getKey(), n.getValue())));
            return out;
        }

        @Override
        public List<String> backlog(GraphRef graph, Manifest manifest) throws Exception {
            return maintenance().coverage(graph.graph()).backlog();
        }
    }
}
