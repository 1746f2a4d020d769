package reconciler.bench;

import com.sun.management.OperatingSystemMXBean;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import reconciler.bench.harness.WorkDir;
import reconciler.daemon.Config;
import reconciler.daemon.Daemon;
import reconciler.leases.EmbeddedZooKeeper;
import reconciler.storage.ColumnSpec;
import reconciler.storage.StorageStats;
import reconciler.writer.DebianImport;
import reconciler.graph.Graph;

/**
 * Benchmarks that print figures (issue 3): heal latency after SIGKILLed writers, the idle cost of
 * graphs under the event-driven daemon, and lease overhead on writers. Each prints a table and the
 * ratio against its baseline or goal measured in the same run.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, subcommands = {Bench.Heal.class, Bench.Idle.class, LeaseBench.class, RequestsBench.class, Bench.Import.class,
        ChaosCommand.class, LibraryBench.class, reconciler.bench.scale.StartupBench.class, reconciler.bench.scale.StormBench.class,
        reconciler.bench.scale.MemoryBench.class, Bench.Index.class, reconciler.bench.harness.ThreePhaseBench.class, BranchBench.class},
        description = "reconciler benchmarks: heal, idle, leases, requests, import, chaos, library, startup, storm, memory, index, three-phase, branches")
public final class Bench implements Callable<Integer> {

    public static void main(String[] args) {
        System.exit(new CommandLine(new Bench()).execute(args));
    }

    @Override
    public Integer call() {
        CommandLine.usage(this, System.out);
        return 2;
    }

    /** The index maintenance benchmark (docs/indexes.md, "Benchmarks"); its own options, passed through. */
    @Command(name = "index", description = "index maintenance: overhead, writer starvation, coverage lag "
            + "([--dir DIR] [--rows N] [--fragments F] [--reps R] [--quick] [--only overhead|starvation|lag])")
    static final class Index implements Callable<Integer> {
        @picocli.CommandLine.Unmatched
        List<String> args = new java.util.ArrayList<>();

        @Override
        public Integer call() throws Exception {
            IndexBench.main(args.toArray(String[]::new));
            return 0;
        }
    }

    static double pct(List<Double> sorted, double p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    /** {@code p50 .. ms, p90 .. ms, p99 .. ms, max .. ms} of sorted millisecond values. */
    static String percentilesMs(List<Double> sorted) {
        return String.format("p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms", pct(sorted, 50), pct(sorted, 90), pct(sorted, 99), pct(sorted, 100));
    }

    /** Sorts {@code values} in place and returns their 50th percentile. */
    static double median(List<Double> values) {
        Collections.sort(values);
        return pct(values, 50);
    }

    static Config config(Path dir, List<String> graphs, String connect, Duration session, Duration poll) {
        reconciler.daemon.ConfigBuilder c = Config.builder();
        c.graphs = new ArrayList<>(graphs);
        c.stateDir = dir.resolve("state").toString();
        c.auditLog = dir.resolve("audit.jsonl").toString();
        c.pollInterval = poll;
        c.leaseWait = Duration.ofSeconds(30);
        c.zookeeper.connect = connect;
        c.zookeeper.sessionTimeout = session;
        return c.build();
    }

    /** Full paths of the lock nodes held now on a graph. */
    static List<String> lockNodes(reconciler.leases.ZkSession zs, String graphId) throws Exception {
        List<String> out = new ArrayList<>();
        String leases = reconciler.leases.LeasePaths.graphPath(graphId) + "/leases";
        if (zs.client().checkExists().forPath(leases) == null) {
            return out;
        }
        for (String lease : zs.client().getChildren().forPath(leases)) {
            try {
                for (String n : zs.client().getChildren().forPath(leases + "/" + lease + "/lock")) {
                    out.add(leases + "/" + lease + "/lock/" + n);
                }
            } catch (org.apache.zookeeper.KeeperException.NoNodeException e) {
                // no lock directory (yet, or any more)
            }
        }
        return out;
    }

    static boolean exists(reconciler.leases.ZkSession zs, String path) {
        try {
            return zs.client().checkExists().forPath(path) != null;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Heal latency: SIGKILL a writer mid-commit, time until the manifest shows the healed state. */
    @Command(name = "heal", description = "SIGKILL a writer after its sidecar appears; time until the daemon (a child process) healed the graph.")
    static final class Heal implements Callable<Integer> {
        @Option(names = "--runs", defaultValue = "50")
        int runs;

        @Mixin
        ChildOptions children;

        @Option(names = "--tick", defaultValue = "100ms", description = "tick of the embedded ZooKeeper server (sessions expire at tick granularity)")
        String tick;

        @Option(names = "--proof", defaultValue = "on", description = "on: the daemon breaks a dead same-host writer's lease "
                + "(local liveness proof, docs/leases.md); off: livenessDir off, heal waits for the session to expire")
        String proof;

        @Override
        public Integer call() throws Exception {
            if (!proof.equals("on") && !proof.equals("off")) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--proof must be on or off");
            }
            WorkDir.Scope work = WorkDir.temporary("heal");
            Path dir = work.path();
            int tickMs = (int) Config.parseDuration(tick).toMillis();
            Duration sessionTimeout = children.sessionTimeout();
            Process daemon = null;
            try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir.resolve("zk"), 0, tickMs);
                 BenchBackend b = children.start(dir)) {
                String root = b.root("heal");
                try (Graph g = b.open(root)) {
                    g.init("heal", DebianImport.schema());
                }
                Path cfgFile = dir.resolve("reconciler.yaml");
                Files.writeString(cfgFile, "graphs:\n  - " + root + "\nstateDir: " + dir.resolve("state") + "\nauditLog: "
                        + dir.resolve("audit.jsonl") + "\npollInterval: 1h\nzookeeper:\n  connect: " + zk.connectString()
                        + "\n  sessionTimeout: " + children.session + "\n" + (proof.equals("off") ? "livenessDir: \"off\"\n" : "") + b.configYaml());
                Path log = dir.resolve("daemon.log");
                ProcessBuilder dpb = new ProcessBuilder(javaCli(List.of("run", "--config", cfgFile.toString())))
                        .redirectErrorStream(true).redirectOutput(log.toFile());
                dpb.environment().putAll(b.env());
                dpb.environment().put("LANCE_LOG", "error");
                daemon = dpb.start();
                while (!Files.exists(log) || !Files.readString(log).contains("started")) {
                    if (!daemon.isAlive()) {
                        throw new IllegalStateException("daemon died: " + Files.readString(log));
                    }
                    Thread.sleep(50);
                }
                List<Double> heals = new ArrayList<>();
                List<Double> converged = new ArrayList<>();
                List<Double> unlocked = new ArrayList<>();
                int discarded = 0;
                try (Graph g = b.open(root);
                     reconciler.leases.ZkSession zs = reconciler.leases.ZkSession.connect(zk.connectString(), Duration.ofSeconds(10),
                             Duration.ofSeconds(10), null)) {
                    for (int run = 0; run < runs; run++) {
                        ProcessBuilder wpb = new ProcessBuilder(javaCli(List.of("graph", "import-debian", root, "--config", cfgFile.toString(),
                                "--source", "/var/lib/dpkg/status", "--skip", Integer.toString((run * 20) % 500), "--limit", "20",
                                "--batch", "20", "--ops", "packages"))).redirectErrorStream(true);
                        wpb.environment().putAll(b.env());
                        Process p = wpb.start();
                        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                        String op = null;
                        String line;
                        while ((line = r.readLine()) != null) {
                            if (line.startsWith("PLAN op=")) {
                                op = line.split(" ")[1].substring(3);
                                break;
                            }
                        }
                        if (op == null) {
                            throw new IllegalStateException("writer planned nothing (exit " + p.waitFor() + ")");
                        }
                        String key = "_recovery/" + op + ".json";
                        while (g.store().read(key).isEmpty() && p.isAlive()) {
                            Thread.onSpinWait();
                        }
                        Thread.sleep(ThreadLocalRandom.current().nextInt(0, 10));
                        long before = g.manifests().latest().orElseThrow().version();
                        List<String> held = lockNodes(zs, "heal");
                        p.destroyForcibly();
                        long killed = System.nanoTime();
                        p.waitFor();
                        if (g.store().read(key).isEmpty()) {
                            discarded++; // the writer finished before the kill: nothing to heal
                            continue;
                        }
                        // the writer's lock nodes vanish: broken by the daemon's proof, or expired with its session
                        while (held.stream().anyMatch(n -> exists(zs, n))) {
                            Thread.sleep(1);
                        }
                        unlocked.add((System.nanoTime() - killed) / 1e6);
                        // Two instants: the manifest shows the healed state (a version after the one at the
                        // kill: the roll forward / roll back / fenced abort publish), and the daemon has
                        // deleted the sidecar (last step, after the audit record): fully converged.
                        long published = -1;
                        while (true) {
                            if (published < 0 && g.manifests().latest().orElseThrow().version() > before) {
                                published = System.nanoTime();
                            }
                            if (g.store().read(key).isEmpty()) {
                                break;
                            }
                            Thread.sleep(1);
                        }
                        long gone = System.nanoTime();
                        if (published < 0) {
                            published = gone; // publish and delete fell between two polls
                        }
                        heals.add((published - killed) / 1e6);
                        converged.add((gone - killed) / 1e6);
                        if (!reconciler.core.GraphStatus.of(g).converged()) {
                            throw new IllegalStateException("sidecar " + op + " is gone but the graph did not converge");
                        }
                        System.out.printf("run %3d: healed %s: lock nodes gone after %.0f ms, manifest after %.0f ms, sidecar gone after %.0f ms%n",
                                run + 1, op, unlocked.get(unlocked.size() - 1), heals.get(heals.size() - 1), converged.get(converged.size() - 1));
                    }
                }
                daemon.destroy();
                daemon.waitFor();
                String out = Files.readString(log);
                long watch = out.lines().filter(l -> l.contains("(watch)")).count();
                long poll = out.lines().filter(l -> l.contains("(poll)")).count();
                Collections.sort(heals);
                Collections.sort(converged);
                Collections.sort(unlocked);
                long broken = out.lines().filter(l -> l.contains("lease broken: holder pid")).count();
                out.lines().filter(l -> l.contains("DeadHolderBreaker") && !l.contains("lease broken")).forEach(System.out::println);
                double goal = sessionTimeout.toMillis() + 250;
                System.out.println();
                System.out.println("heal latency after SIGKILL mid-commit, backend " + children.backend + " (event-driven daemon, safety poll 1 h)");
                System.out.printf("runs healed %d, discarded %d (writer finished before the kill)%n", heals.size(), discarded);
                System.out.printf("embedded ZooKeeper tick %d ms; session timeout %d ms%n", tickMs, sessionTimeout.toMillis());
                System.out.printf("local liveness proof %s; leases broken by it (daemon log) %d%n", proof, broken);
                System.out.println("SIGKILL -> writer's lock nodes deleted (detection): " + percentilesMs(unlocked));
                System.out.println("SIGKILL -> manifest shows the healed state: " + percentilesMs(heals));
                System.out.println("SIGKILL -> sidecar deleted (audited, converged): " + percentilesMs(converged));
                System.out.printf("manifest p99 / (session + 250 ms) = %.2f (goal <= 1.00); daemon passes by watch %d, by poll %d%n",
                        pct(heals, 99) / goal, watch, poll);
            } finally {
                if (daemon != null && daemon.isAlive()) {
                    daemon.destroyForcibly();
                }
                work.close();
            }
            return 0;
        }
    }

    /** Debian import throughput per backend. */
    @Command(name = "import", description = "Debian archive import throughput (rows/s) through the reference writer, local vs s3.")
    static final class Import implements Callable<Integer> {
        @Option(names = "--limit", defaultValue = "20000", description = "packages to import")
        int limit;

        @Option(names = "--writers", defaultValue = "2")
        int writers;

        @Override
        public Integer call() throws Exception {
            System.out.printf("%-8s %10s %10s %12s%n", "backend", "rows", "seconds", "rows/s");
            double localRate = 0;
            for (String backend : List.of("local", "s3")) {
                try (WorkDir.Scope work = WorkDir.temporary("import");
                     EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(work.path().resolve("zk"), 0, 500);
                     BenchBackend b = BenchBackend.start(backend, work.path())) {
                    Path dir = work.path();
                    String root = b.root("debian");
                    try (Graph g = b.open(root)) {
                        g.init("debian", DebianImport.schema());
                    }
                    Path cfgFile = dir.resolve("reconciler.yaml");
                    Files.writeString(cfgFile, "graphs:\n  - " + root + "\nzookeeper:\n  connect: " + zk.connectString() + "\n" + b.configYaml());
                    ProcessBuilder pb = new ProcessBuilder(javaCli(List.of("graph", "import-debian", root, "--config", cfgFile.toString(),
                            "--writers", Integer.toString(writers), "--limit", Integer.toString(limit), "--batch", "2000")))
                            .redirectErrorStream(true).redirectOutput(dir.resolve("import.log").toFile());
                    pb.environment().putAll(b.env());
                    pb.environment().put("LANCE_LOG", "error");
                    long t0 = System.nanoTime();
                    int rc = pb.start().waitFor();
                    double secs = (System.nanoTime() - t0) / 1e9;
                    if (rc != 0) {
                        throw new IllegalStateException("import failed: " + Files.readString(dir.resolve("import.log")));
                    }
                    long rows = 0;
                    try (Graph g = b.open(root)) {
                        reconciler.manifest.Manifest m = g.manifests().require();
                        for (String t : m.tables().keySet()) {
                            rows += g.tables().countRows(reconciler.storage.TableKey.parse(t), m.pin(t).version());
                        }
                    }
                    double rate = rows / secs;
                    if (backend.equals("local")) {
                        localRate = rate;
                    }
                    System.out.printf("%-8s %10d %10.1f %12.0f%s%n", backend, rows, secs, rate,
                            backend.equals("s3") ? String.format("   (s3 / local = %.2f)", rate / localRate) : "");
                }
            }
            System.out.println("rows = all four tables' rows at the final pins; seconds include the writer JVMs' start-up and archive parsing.");
            return 0;
        }
    }

    /** Idle cost per graph: storage requests and CPU with N idle graphs. */
    @Command(name = "idle", description = "Storage requests and daemon CPU per idle graph per minute with N idle graphs.")
    static final class Idle implements Callable<Integer> {
        @Option(names = "--graphs", defaultValue = "1,100,1000,10000", split = ",")
        List<Integer> counts;

        @Option(names = "--window", defaultValue = "30s", description = "measurement window per graph count")
        String window;

        @Override
        public Integer call() throws Exception {
            OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            Duration w = Config.parseDuration(window);
            System.out.printf("%8s %14s %16s %14s %16s %14s%n", "graphs", "startup (s)", "req/pass/graph", "idle req/min",
                    "poll req/g/min", "CPU % of core");
            for (int n : counts) {
                try (WorkDir.Scope work = WorkDir.temporary("idle"); EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(work.path().resolve("zk"), 0, 500)) {
                    Path dir = work.path();
                    List<String> roots = makeGraphs(dir, n);
                    Config cfg = config(dir, roots, zk.connectString(), Duration.ofSeconds(10), Duration.ofHours(1));
                    long t0 = System.nanoTime();
                    long req0 = StorageStats.total();
                    try (Daemon daemon = new Daemon(cfg)) {
                        daemon.start();
                        while (daemon.count("reconciler.passes.poll") + daemon.count("reconciler.passes.watch") < n) {
                            Thread.sleep(20);
                        }
                        Thread.sleep(2000); // let event passes triggered by start-up claims drain
                        double startup = (System.nanoTime() - t0) / 1e9;
                        long passes = daemon.count("reconciler.passes.poll") + daemon.count("reconciler.passes.watch");
                        double perPass = (double) (StorageStats.total() - req0) / passes;
                        long req1 = StorageStats.total();
                        long cpu1 = os.getProcessCpuTime();
                        long wall1 = System.nanoTime();
                        Thread.sleep(w.toMillis());
                        long req = StorageStats.total() - req1;
                        double cpu = (os.getProcessCpuTime() - cpu1) / (double) (System.nanoTime() - wall1) * 100.0;
                        double minutes = w.toMillis() / 60000.0;
                        System.out.printf("%8d %14.1f %16.1f %14.1f %16.2f %14.2f%n", n, startup, perPass, req / minutes,
                                perPass / 5.0, cpu);
                    }
                }
            }
            System.out.println("idle req/min: storage requests by the daemon for all graphs in the window (no changes, no poll);");
            System.out.println("poll req/g/min: the default 5-minute safety poll's cost amortized per graph; CPU: whole daemon process.");
            return 0;
        }

        /** N one-table graphs, copied from one template (a Lance dataset + manifest v1 with the graph id rewritten). */
        static List<String> makeGraphs(Path dir, int n) throws IOException {
            Path template = dir.resolve("template");
            try (Graph g = Graph.local(template)) {
                g.init("template", Map.of("node:Item", List.of(new ColumnSpec("name", "utf8"))));
            }
            String manifest = Files.readString(template.resolve("_manifest/00000000000000000001.json"));
            List<String> roots = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Path root = dir.resolve("graphs").resolve("g" + i);
                org.apache.commons.io.FileUtils.copyDirectory(template.resolve("tables").toFile(), root.resolve("tables").toFile());
                Files.createDirectories(root.resolve("_manifest"));
                Files.writeString(root.resolve("_manifest/00000000000000000001.json"),
                        manifest.replace("\"graphId\" : \"template\"", "\"graphId\" : \"idle-" + i + "\""));
                roots.add(root.toString());
            }
            return roots;
        }
    }

    static List<String> javaCli(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-opens=java.base/java.nio=ALL-UNNAMED", "-Dlogback.configurationFile=child-logback.xml",
                "-cp", System.getProperty("java.class.path"), "reconciler.cli.Main"));
        cmd.addAll(args);
        return cmd;
    }
}
