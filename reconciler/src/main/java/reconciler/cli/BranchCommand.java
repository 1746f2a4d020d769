package reconciler.cli;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import reconciler.graph.Graph;
import reconciler.graph.GraphBranches;
import reconciler.graph.GraphSession;
import reconciler.graph.MergeConflictException;
import reconciler.graph.RecoveryRequiredException;
import reconciler.manifest.BranchRecord;
import reconciler.manifest.ManifestConflictException;

/**
 * {@code reconciler graph branch create|list|delete|merge} (docs/operations.md "Branches"). Exit codes as
 * everywhere: 0 done, 2 usage (bad name, unknown branch or version), 3 refused (exists, pending sidecars,
 * merge conflict, a child branch), 4 storage or ZooKeeper failure.
 */
@Command(name = "branch", mixinStandardHelpOptions = true, description = "Branches of a graph: create, list, delete, merge.",
        subcommands = {BranchCommand.Create.class, BranchCommand.ListCmd.class, BranchCommand.Delete.class, BranchCommand.Merge.class})
final class BranchCommand extends CommandGroup {

    /**
     * Runs {@code body} with a session over the graph whose writes wait {@code leaseTimeout} for their
     * leases; maps the library's exceptions to exit codes ({@link GraphTarget#withLeases}: a bad name,
     * an unknown branch or version is a usage error, exit 2) and prints a refusal as
     * {@code REFUSED <reason>} (exit 3).
     */
    static int withSession(GraphTarget target, Supplier<Duration> leaseTimeout, Body body) throws Exception {
        try {
            return target.withLeases((g, leases) -> body.run(GraphSession.over(g, leases, GraphSession.Options.defaults()
                    .withLeaseTimeout(leaseTimeout.get())).branches()));
        } catch (ManifestConflictException | RecoveryRequiredException | MergeConflictException | IllegalStateException e) {
            System.out.println("REFUSED " + e.getMessage());
            return Main.REFUSED;
        }
    }

    /** What a subcommand does with the graph's branches. */
    interface Body {
        int run(GraphBranches branches) throws Exception;
    }

    /** A subcommand that changes a branch under the graph's leases ({@code GRAPH}, {@code --lease-timeout}). */
    abstract static class Change implements Callable<Integer>, Body {
        @Mixin
        LeasedGraph graph;

        @Override
        public final Integer call() throws Exception {
            return withSession(graph.target, graph::writeTimeout, this);
        }
    }

    static String line(String name, BranchRecord r) {
        return name + " id=" + r.id() + " parent=" + r.parent() + " parentVersion=" + r.parentVersion() + " createdAt=" + r.createdAt();
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = {"Create branch NAME from --from (default main) at its manifest version --at",
            "(default: its latest). Nothing is copied: each table is forked onto the branch on its first write."})
    static final class Create implements Callable<Integer> {
        @Mixin
        GraphTarget graph;

        @Parameters(index = "1", paramLabel = "NAME", description = "branch name: a letter, then letters, digits, _ or - (64 at most)")
        String name;

        @Option(names = "--from", paramLabel = "BRANCH", defaultValue = "main", description = "the branch to fork (default ${DEFAULT-VALUE})")
        String from;

        @Option(names = "--at", paramLabel = "VERSION", description = "a manifest version of the --from branch (default: its latest)")
        Long at;

        @Override
        public Integer call() throws Exception {
            return withSession(graph, () -> Duration.ofSeconds(LeasedGraph.WRITE_SECONDS), b -> {
                BranchRecord r = b.create(name, from, at);
                System.out.println("CREATED " + line(name, r));
                return Main.OK;
            });
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The branches main's manifest lists (the authority), one line each.")
    static final class ListCmd implements Callable<Integer> {
        @Mixin
        GraphTarget graph;

        @Override
        public Integer call() throws Exception {
            try (Graph g = graph.open()) {
                System.out.println("main");
                for (Map.Entry<String, BranchRecord> e : g.manifests().require().branches().entrySet()) {
                    System.out.println(line(e.getKey(), e.getValue()));
                }
                return Main.OK;
            }
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = {"Delete branch NAME: refused while it has pending sidecars (heal them",
            "first: reconciler run --once) unless --discard-pending (the reconciler then discards them once, orphaned_branch_discarded);",
            "refused while another branch was forked from it. Its Lance branches are reclaimed."})
    static final class Delete extends Change {
        @Parameters(index = "1", paramLabel = "NAME")
        String name;

        @Option(names = "--discard-pending", description = "delete even with pending sidecars of the branch (they are discarded, not recovered)")
        boolean discardPending;

        @Override
        public int run(GraphBranches b) throws Exception {
            GraphBranches.Deleted d = b.delete(name, discardPending);
            System.out.println("DELETED " + name + " manifestVersion=" + d.manifestVersion() + " orphaned=" + d.orphaned()
                    + " forksReclaimed=" + d.forksReclaimed() + (d.forksLeft().isEmpty() ? "" : " forksLeft=" + d.forksLeft()));
            return Main.OK;
        }
    }

    @Command(name = "merge", mixinStandardHelpOptions = true, description = {"Merge branch SOURCE into --into (its parent, the default), table by table",
            "against the fork point: tables only SOURCE changed are taken (one transaction on the target), tables only the target",
            "changed are kept; a table both changed is a conflict and the merge is refused naming it (exit 3)."})
    static final class Merge extends Change {
        @Parameters(index = "1", paramLabel = "SOURCE")
        String source;

        @Option(names = "--into", paramLabel = "TARGET", description = "the target branch (must be SOURCE's parent; default: it)")
        String into;

        @Override
        public int run(GraphBranches b) throws Exception {
            GraphBranches.Merged m = b.merge(source, into);
            if (m.result() == null) {
                System.out.println("UP-TO-DATE " + source + ": no table changed since the fork");
            } else {
                System.out.println("MERGED " + source + " tables=" + m.tables() + " operationId=" + m.result().operationId()
                        + " manifestVersion=" + m.result().manifestVersion());
            }
            return Main.OK;
        }
    }
}
