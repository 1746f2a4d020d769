package reconciler.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import reconciler.indexer.CompactionReport;

/** {@code reconciler graph compact GRAPH}: one compaction round (docs/indexes.md, "Compaction"). */
@Command(name = "compact", mixinStandardHelpOptions = true, description = {"Compact every table past the thresholds: plan and rewrite outside the lease, commit + publish",
        "under it (compaction sidecar); indexes are remapped. Exit 0 unless a table failed (4) or needs recovery (3)."})
final class CompactCommand implements Callable<Integer> {
    @Mixin
    IndexCommand.BuildOptions build;

    @Mixin
    LeasedGraph graph;

    @Option(names = "--target-rows", defaultValue = "1048576", description = "target rows per fragment (default ${DEFAULT-VALUE})")
    long targetRows;

    @Option(names = "--min-small-fragments", defaultValue = "4", description = "compact when this many fragments are small (default ${DEFAULT-VALUE})")
    int minSmall;

    @Option(names = "--deleted-ratio", defaultValue = "0.1", description = "or when a fragment has this fraction of deleted rows (default ${DEFAULT-VALUE})")
    double deletedRatio;

    @Mixin
    JsonOutput out;

    @Override
    public Integer call() throws Exception {
        return graph.withMaintenance(() -> build.options().targetRowsPerFragment(targetRows).minSmallFragments(minSmall)
                .deletedRowRatio(deletedRatio), (g, leases, im) -> {
            CompactionReport r = im.compact(g, leases);
            out.print(r, () -> {
                for (CompactionReport.TableCompaction t : r.tables()) {
                    System.out.printf("%-20s %-17s fragments %d -> %d, version %d -> %d: %s%n", t.table(), t.status(), t.fragmentsBefore(),
                            t.fragmentsAfter(), t.fromVersion(), t.toVersion(), t.detail());
                }
            });
            if (r.tables().stream().anyMatch(t -> t.status() == CompactionReport.Status.RECOVERY_REQUIRED)) {
                return Main.REFUSED;
            }
            return r.tables().stream().anyMatch(t -> t.status() == CompactionReport.Status.FAILED) ? Main.FAILURE : Main.OK;
        });
    }
}
