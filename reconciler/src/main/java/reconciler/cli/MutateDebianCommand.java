package reconciler.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import reconciler.daemon.Coordination;
import reconciler.graph.DriftException;
import reconciler.graph.Failpoints;
import reconciler.graph.Graph;
import reconciler.graph.GraphSnapshot;
import reconciler.graph.GraphTransaction;
import reconciler.graph.RecoveryRequiredException;
import reconciler.leases.LeaseException;
import reconciler.manifest.ManifestConflictException;
import reconciler.writer.DebianMutations;

@Command(name = "mutate-debian", mixinStandardHelpOptions = true, description = {
        "One mutation of the Debian graph through the graph library, as one operation:",
        "--remove-section S deletes the section's packages and the DependsOn/MaintainedBy edges leaving them (3 tables, deletes);",
        "--raise-priority S sets priority 'important' on the section's packages above its median installed size (upsert).",
        "Output lines as for import-debian: PLAN (rows removed or replaced per table), ACK or REFUSED. Failpoints: RECONCILER_FAILPOINT."})
final class MutateDebianCommand implements Callable<Integer> {
    @Mixin
    LeasedGraph graph;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Mutation mutation;

    static final class Mutation {
        @Option(names = "--remove-section", paramLabel = "S", description = "delete section S's packages and their outgoing edges")
        String removeSection;

        @Option(names = "--raise-priority", paramLabel = "S", description = "raise the priority of section S's larger packages")
        String raisePriority;
    }

    @Option(names = "--branch", paramLabel = "BRANCH", defaultValue = "main",
            description = "the graph branch to write (default ${DEFAULT-VALUE}); the first write to a table on a branch forks it")
    String branch;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Failpoints failpoints = Failpoints.fromEnvironment();
        try (Graph main = graph.target.open(); Coordination c = graph.target.coordination()) {
            Graph g;
            try {
                g = main.onBranch(branch);
            } catch (IllegalArgumentException e) {
                throw Usage.error(spec, e.getMessage());
            }
            try (GraphTransaction tx = new GraphTransaction(g, c.leases(), "mutate", graph.writeTimeout(), failpoints);
                 GraphSnapshot base = g.snapshot(tx.baseVersion())) {
                Map<String, Integer> rows;
                String label;
                try {
                    if (mutation.removeSection != null) {
                        label = DebianMutations.label("remove-section", mutation.removeSection);
                        rows = DebianMutations.removeSection(tx, base, mutation.removeSection);
                    } else {
                        label = DebianMutations.label("raise-priority", mutation.raisePriority);
                        rows = DebianMutations.raisePriority(tx, base, mutation.raisePriority);
                    }
                } catch (IllegalArgumentException e) {
                    throw Usage.error(spec, e.getMessage());
                }
                System.out.println(WriterLines.plan(tx.operationId(), label, rows));
                System.out.flush();
                try {
                    GraphTransaction.Result r = tx.commit();
                    System.out.println(WriterLines.ack(tx.operationId(), r.manifestVersion()));
                    return Main.OK;
                } catch (RecoveryRequiredException | DriftException | ManifestConflictException e) {
                    System.out.println("REFUSED op=" + tx.operationId() + " " + e.getMessage());
                    return Main.REFUSED;
                }
            }
        } catch (LeaseException e) {
            System.out.println("FAILED " + e.getMessage());
            return Main.FAILURE;
        }
    }
}
