package reconciler.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import reconciler.daemon.Coordination;
import reconciler.leases.LeaseException;
import reconciler.manifest.Manifest;
import reconciler.storage.TableKey;
import reconciler.writer.DebianArchive;
import reconciler.writer.DebianImport;
import reconciler.graph.DriftException;
import reconciler.graph.Failpoints;
import reconciler.graph.Graph;
import reconciler.writer.GraphWriter;
import reconciler.graph.RecoveryRequiredException;

@Command(name = "graph", mixinStandardHelpOptions = true, description = "Writer tools: create a graph, import the Debian archive with the reference writer, count rows.",
        subcommands = {GraphCommand.Init.class, GraphCommand.ImportDebian.class, GraphCommand.Count.class, GraphReadCommands.Tables.class,
                GraphReadCommands.Scan.class, MutateDebianCommand.class,
                IndexCommand.class,
                BranchCommand.class,
                CompactCommand.class,
                CleanupCommand.class})
final class GraphCommand extends CommandGroup {

    @Command(name = "init", mixinStandardHelpOptions = true, description = "Create a graph root with the Debian schema (4 empty tables, manifest v1).")
    static final class Init implements Callable<Integer> {
        @Mixin
        GraphTarget graph;

        @Option(names = "--graph-id", description = "graph id (default: the last path segment of the root)")
        String graphId;

        @Override
        public Integer call() throws Exception {
            try (Graph g = graph.open()) {
                String trimmed = graph.root.replaceAll("/+$", "");
                Manifest m = g.init(graphId != null ? graphId : trimmed.substring(trimmed.lastIndexOf('/') + 1), DebianImport.schema(), DebianImport.indexes());
                System.out.println("initialised graph " + m.graphId() + " at " + g.store().root() + ": manifest v1, tables " + m.tables().keySet());
                return Main.OK;
            } catch (IllegalStateException e) {
                System.err.println("error: " + e.getMessage());
                return Main.REFUSED;
            }
        }
    }

    @Command(name = "count", mixinStandardHelpOptions = true, description = "Rows of TABLE visible at the manifest pin.")
    static final class Count implements Callable<Integer> {
        @Mixin
        GraphTarget graph;

        @Parameters(index = "1", paramLabel = "TABLE", description = "table key, e.g. node:Package")
        String table;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            TableKey key;
            try {
                key = TableKey.parse(table);
            } catch (IllegalArgumentException e) {
                throw Usage.error(spec, e.getMessage());
            }
            try (Graph g = graph.open()) {
                Manifest m = g.manifests().require();
                if (!m.tables().containsKey(table)) {
                    throw Usage.error(spec, "graph " + m.graphId() + " has no table " + table + " (tables: "
                            + String.join(", ", m.tables().keySet()) + ")");
                }
                System.out.println(g.tables().countRows(key, m.pin(table).version()));
                return Main.OK;
            }
        }
    }

    @Command(name = "import-debian", mixinStandardHelpOptions = true, description = {
            "Import the Debian package archive with the reference writer, in one or several writer processes.",
            "Output lines (a contract for tests): 'PLAN op=<ulid> label=<l> rows=<table>=<n>,...' before each operation,",
            "'ACK op=<ulid> manifest=v<N>' once it is published, 'REFUSED op=<ulid> <reason>' if the writer refuses."})
    static final class ImportDebian implements Callable<Integer> {
        @Mixin
        LeasedGraph graph;

        @Option(names = "--writers", defaultValue = "1", description = "concurrent writer processes (default ${DEFAULT-VALUE})")
        int writers;

        @Option(names = "--batch", defaultValue = "2000", description = "packages per batch (default ${DEFAULT-VALUE})")
        int batch;

        @Option(names = "--skip", defaultValue = "0", description = "skip the first N packages of the archive")
        int skip;

        @Option(names = "--limit", defaultValue = "-1", description = "import at most N packages (default: all)")
        int limit;

        @Option(names = "--source", description = "an uncompressed Packages or dpkg status file (default: apt's index, else /var/lib/dpkg/status)")
        Path source;

        @Option(names = "--ops", defaultValue = "all", description = "which operations: all, packages (node:Package + edge:DependsOn) or maintainers")
        String ops;

        @Option(names = "--crash-at", paramLabel = "FAILPOINT", description = "halt writer i at the i-th given failpoint (repeatable): "
                + "after-sidecar, after-commit:K, after-publish, after-sidecar-delete")
        List<String> crashAt = new ArrayList<>();

        @Option(names = "--crash-op", defaultValue = "1", description = "which operation of a crashing writer halts (1-based, default 1)")
        int crashOp;

        @Option(names = "--shard", hidden = true, description = "internal: run shard i/N in this process")
        String shard;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Usage.atLeast(spec, "--writers", writers, 1);
            Usage.atLeast(spec, "--batch", batch, 1);
            Usage.atLeast(spec, "--skip", skip, 0);
            Usage.atLeast(spec, "--limit", limit, -1);
            Usage.atLeast(spec, "--crash-op", crashOp, 1);
            for (String fp : crashAt) {
                try {
                    Failpoints.validate(fp);
                } catch (IllegalArgumentException e) {
                    throw Usage.error(spec, "--crash-at: " + e.getMessage());
                }
            }
            if (crashAt.size() > writers) {
                throw Usage.error(spec, "--crash-at given " + crashAt.size() + " times but only " + writers + " writer(s) run");
            }
            if (!List.of("all", "packages", "maintainers").contains(ops)) {
                throw Usage.error(spec, "--ops must be all, packages or maintainers, got '" + ops + "'");
            }
            if (shard != null) {
                String[] p = shard.split("/");
                return runShard(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Failpoints.fromEnvironment());
            }
            if (writers == 1) {
                return runShard(0, 1, crashAt.isEmpty() ? Failpoints.fromEnvironment() : new Failpoints(crashAt.get(0), crashOp));
            }
            return spawn();
        }

        private int spawn() throws Exception {
            List<Process> procs = new ArrayList<>();
            List<Thread> relays = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                List<String> cmd = new ArrayList<>(javaCommand());
                cmd.addAll(List.of("graph", "import-debian", graph.target.root, "--shard", i + "/" + writers, "--batch", Integer.toString(batch),
                        "--skip", Integer.toString(skip), "--limit", Integer.toString(limit), "--ops", ops));
                if (graph.leaseTimeout != null) {
                    cmd.addAll(List.of("--lease-timeout", graph.leaseTimeout));
                }
                if (graph.target.config.file != null) {
                    cmd.addAll(List.of("--config", graph.target.config.file.toString()));
                }
                if (source != null) {
                    cmd.addAll(List.of("--source", source.toString()));
                }
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
                if (i < crashAt.size()) {
                    pb.environment().put("RECONCILER_FAILPOINT", crashAt.get(i));
                    pb.environment().put("RECONCILER_FAILPOINT_OP", Integer.toString(crashOp));
                }
                Process p = pb.start();
                procs.add(p);
                final int w = i;
                Thread t = new Thread(() -> relay(p, "[writer " + w + "] "));
                t.start();
                relays.add(t);
            }
            int worst = Main.OK;
            for (int i = 0; i < procs.size(); i++) {
                int rc = procs.get(i).waitFor();
                relays.get(i).join();
                boolean expected = rc == 0 || (rc == Failpoints.EXIT_CODE && i < crashAt.size());
                System.out.println("[writer " + i + "] exited " + rc + (rc == Failpoints.EXIT_CODE ? " (halted at failpoint " + crashAt.get(i) + ")" : ""));
                if (!expected) {
                    worst = Math.max(worst, rc == Failpoints.EXIT_CODE ? Main.FAILURE : rc);
                }
            }
            return worst;
        }

        private static void relay(Process p, String prefix) {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (System.out) {
                        System.out.println(prefix + line);
                    }
                }
            } catch (java.io.IOException e) {
                // the child went away
            }
        }

        private int runShard(int index, int of, Failpoints failpoints) throws Exception {
            List<DebianArchive.Package> archive = source != null ? DebianArchive.readFile(source)
                    : DebianArchive.readSystemArchive(l -> System.err.println(l));
            if (source != null && archive.isEmpty()) {
                throw Usage.error(spec, "--source " + source + " holds no Debian package records (a stanza with a Package: field): "
                        + "is it an uncompressed Packages or dpkg status file?");
            }
            int from = Math.min(skip, archive.size());
            int to = limit < 0 ? archive.size() : Math.min(archive.size(), from + limit);
            List<DebianImport.Operation> plan = DebianImport.plan(archive.subList(from, to), index, of, batch).stream()
                    .filter(o -> ops.equals("all") || o.label().startsWith(ops)).toList();
            try (Graph g = graph.target.open(); Coordination c = graph.target.coordination()) {
                GraphWriter w = new GraphWriter(g, c.leases(), "import", graph.writeTimeout(), failpoints);
                for (DebianImport.Operation o : plan) {
                    String op = GraphWriter.newOperationId();
                    System.out.println(WriterLines.plan(op, o.label(), o.counts()));
                    System.out.flush();
                    try {
                        GraphWriter.Result r = w.write(op, o.rows());
                        System.out.println(WriterLines.ack(op, r.manifestVersion()));
                        System.out.flush();
                    } catch (RecoveryRequiredException | DriftException e) {
                        System.out.println("REFUSED op=" + op + " " + e.getMessage());
                        return Main.REFUSED;
                    }
                }
                return Main.OK;
            } catch (LeaseException e) {
                System.out.println("FAILED " + e.getMessage());
                return Main.FAILURE;
            }
        }
    }

    /** The java command line that runs this CLI again in a child JVM. */
    static List<String> javaCommand() {
        String java = ProcessHandle.current().info().command().orElse("java");
        return List.of(java, "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "reconciler.cli.Main");
    }

}
