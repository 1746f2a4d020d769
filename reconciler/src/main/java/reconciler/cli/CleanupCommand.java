package reconciler.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import reconciler.daemon.Config;
import reconciler.indexer.CleanupReport;
import reconciler.indexer.MaintenanceOptions;

/** {@code reconciler graph cleanup GRAPH}: pin-aware removal of old Lance versions (docs/indexes.md, "Cleanup"). */
@Command(name = "cleanup", mixinStandardHelpOptions = true, description = {"Remove old Lance versions that no retained manifest version pins (never the latest pin or HEAD,",
        "never while a sidecar covers the table). Exit 0 unless a table failed (4)."})
final class CleanupCommand implements Callable<Integer> {
    @Mixin
    LeasedGraph graph;

    @Option(names = "--retain-versions", defaultValue = "10", description = "keep the pins of the newest N manifest versions (default ${DEFAULT-VALUE})")
    int retainVersions;

    @Option(names = "--retain-age", defaultValue = "24h", description = "and of those published within this age (default ${DEFAULT-VALUE})")
    String retainAge;

    @Option(names = "--delete-unverified", description = "also delete uncommitted files younger than Lance's 7-day window (unsafe while writers stage data)")
    boolean deleteUnverified;

    @Mixin
    JsonOutput out;

    @Override
    public Integer call() throws Exception {
        return graph.withMaintenance(() -> MaintenanceOptions.defaults().retainManifestVersions(retainVersions)
                .retainAge(Config.parseDuration(retainAge)).deleteUnverified(deleteUnverified), (g, leases, im) -> {
            CleanupReport r = im.cleanup(g, leases);
            out.print(r, () -> {
                System.out.printf("graph %s: retained manifest versions %s%n", r.graphId(), r.retainedManifests());
                for (CleanupReport.TableCleanup t : r.tables()) {
                    System.out.printf("%-20s %-8s %s%n", t.table(), t.status(), t.message());
                }
            });
            return r.tables().stream().anyMatch(t -> t.status() == CleanupReport.Status.FAILED) ? Main.FAILURE : Main.OK;
        });
    }
}
