package reconciler.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import reconciler.core.GraphStatus;
import reconciler.core.ReconcilePass;
import reconciler.daemon.Daemon;
import reconciler.graph.Failpoints;
import reconciler.graph.Graph;
import reconciler.graph.GraphBranches;
import reconciler.graph.GraphSnapshot;
import reconciler.leases.LeaseManager;
import reconciler.writer.DebianImport;

/**
 * The demo's branch step (issue 13): a branch created, written by a writer that crashes (a child halted
 * after its commit), healed on the branch, merged into main; then a branch deleted with a crashed
 * writer's sidecar pending, whose stale sidecar the daemon discards exactly once.
 */
final class BranchDemo {

    /** Runs a CLI child with an environment (the demo's own runner, which echoes its lines). */
    interface Child {
        void run(String label, List<String> args, Map<String, String> env) throws Exception;
    }

    private BranchDemo() {
    }

    /** @return whether everything ended as it must */
    static boolean run(Graph graph, Daemon daemon, LeaseManager leases, Path root, Path cfgFile, Child child) throws Exception {
        GraphBranches branches = new GraphBranches(graph, leases, Duration.ofSeconds(60), Failpoints.none());
        String section = secondSection(graph);
        if (section == null) {
            System.out.println("no packages: branches skipped");
            return true;
        }
        branches.create("demo", "main", null);
        System.out.println("created branch demo at main v" + branches.list().get("demo").parentVersion() + " (nothing copied)");
        long importantMain = important(graph);
        child.run("branch-writer", List.of("graph", "mutate-debian", root.toString(), "--raise-priority", section, "--branch", "demo",
                "--config", cfgFile.toString()), Map.of("RECONCILER_FAILPOINT", "after-commit:1"));
        System.out.println("-- status before the reconciler runs:");
        Printer.status(System.out, GraphStatus.of(graph));
        ReconcilePass.Report healed = daemon.runOnce().get(0);
        healed.results().forEach(x -> System.out.println("   sidecar " + x.operationId() + ": " + x.status() + " " + x.message()));
        long importantBranch = important(graph.onBranch("demo"));
        boolean onBranch = importantBranch > importantMain && important(graph) == importantMain;
        System.out.printf("priority 'important' on branch demo: %d (main: %d): healed on the branch only: %s%n", importantBranch,
                important(graph), onBranch ? "OK" : "MISMATCH");
        GraphBranches.Merged merged = branches.merge("demo", "main");
        boolean mergedOk = important(graph) == importantBranch;
        System.out.printf("merged demo into main: tables %s, manifest v%d; main now has %d 'important': %s%n", merged.tables(),
                merged.result() == null ? 0 : merged.result().manifestVersion(), important(graph), mergedOk ? "OK" : "MISMATCH");
        branches.delete("demo", false);

        branches.create("stale", "main", null);
        child.run("stale-writer", List.of("graph", "mutate-debian", root.toString(), "--raise-priority", section, "--branch", "stale",
                "--config", cfgFile.toString()), Map.of("RECONCILER_FAILPOINT", "after-sidecar"));
        GraphBranches.Deleted d = branches.delete("stale", true);
        System.out.println("deleted branch stale with its crashed writer's sidecar pending: orphaned " + d.orphaned());
        int discarded = 0;
        for (int pass = 0; pass < 2; pass++) {
            ReconcilePass.Report rep = daemon.runOnce().get(0);
            rep.results().forEach(x -> System.out.println("   sidecar " + x.operationId() + ": " + x.status() + " " + x.message()));
        }
        for (String op : d.orphaned()) {
            discarded += graph.store().list(Graph.AUDIT_DIR).stream().filter(n -> n.equals(op + ".orphaned_branch_discarded.json")).count();
        }
        boolean once = discarded == d.orphaned().size() && graph.sidecars().orphans(graph.manifests().require()).isEmpty();
        System.out.printf("stale sidecars discarded exactly once (orphaned_branch_discarded records: %d of %d, over two passes): %s%n",
                discarded, d.orphaned().size(), once ? "OK" : "MISMATCH");
        return onBranch && mergedOk && once && !d.orphaned().isEmpty() && healed.converged();
    }

    private static long important(Graph g) throws Exception {
        try (GraphSnapshot s = g.snapshot()) {
            return s.count(DebianImport.PACKAGE, "priority = 'important'");
        }
    }

    private static String secondSection(Graph graph) throws Exception {
        java.util.Map<String, Integer> bySection = new java.util.TreeMap<>();
        try (GraphSnapshot snap = graph.snapshot();
             reconciler.graph.ScanResult r = snap.scan(DebianImport.PACKAGE, List.of("section"), null, 0)) {
            while (r.loadNextBatch()) {
                org.apache.arrow.vector.FieldVector v = r.getVectorSchemaRoot().getVector("section");
                for (int i = 0; i < v.getValueCount(); i++) {
                    bySection.merge(String.valueOf(v.getObject(i)), 1, Integer::sum);
                }
            }
        }
        // the second most common section: step 6 already raised the priority of the most common one
        List<String> bySize = bySection.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .map(Map.Entry::getKey).toList();
        return bySize.isEmpty() ? null : bySize.get(Math.min(1, bySize.size() - 1));
    }
}
