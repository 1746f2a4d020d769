package reconciler.bench.scale;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import reconciler.bench.harness.WorkDir;
import reconciler.core.GraphStatus;
import reconciler.graph.Graph;
import reconciler.leases.EmbeddedZooKeeper;
import reconciler.leases.LeasePaths;
import reconciler.leases.ZkSession;

/**
 * A recovery storm (issue 16): writers SIGKILLed en masse leave one pending sidecar per table of
 * every graph (each after its Lance commit, before the publish: a roll forward each); a daemon
 * (child JVM) then drains them, with {@code passThreads} passes at once across graphs and one
 * graph's sidecars in order. The same crashed state (copied) is drained once per thread count, so
 * the figures compare in one run.
 */
@Command(name = "storm", mixinStandardHelpOptions = true,
        description = "Recovery storm: G graphs x T tables pending sidecars from SIGKILLed writers, drained by a daemon; sidecars/s per passThreads.")
public final class StormBench implements Callable<Integer> {

    /** Goal of issue 16: sidecars recovered per second on a local directory. */
    static final double GOAL = 200;

    @Option(names = "--graphs", defaultValue = "100", description = "graphs with pending sidecars")
    int graphs;

    @Option(names = "--tables", defaultValue = "10", description = "tables per graph = pending sidecars per graph")
    int tables;

    @Option(names = "--pass-threads", defaultValue = "1,8", split = ",", description = "passThreads values to drain with (same crashed state each; 0: leave the key out, for a build without it)")
    List<Integer> passThreads;

    @Mixin
    WorkDir dir;

    @Override
    public Integer call() throws Exception {
        int expected = graphs * tables;
        try (WorkDir.Scope work = dir.open("storm"); EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(work.path().resolve("zk"), 0, 100)) {
            Path d = work.path();
            Path farm = d.resolve("farm");
            List<String> roots = GraphFarm.make(farm, graphs, tables);
            double crash = crash(zk.connectString(), roots, expected);
            System.out.printf("%,d writers paused after their commit and SIGKILLed in %.1f s; their sessions expired%n", expected, crash);
            List<String[]> rows = new ArrayList<>();
            for (int threads : passThreads) {
                Path run = d.resolve("run-" + threads);
                List<String> runRoots = new ArrayList<>();
                for (int i = 0; i < graphs; i++) {
                    org.apache.commons.io.FileUtils.copyDirectory(Path.of(roots.get(i)).toFile(), run.resolve("g" + i).toFile());
                    runRoots.add(run.resolve("g" + i).toString());
                }
                try (DaemonChild daemon = DaemonChild.start(d.resolve("daemon-" + threads), runRoots, Duration.ofHours(1),
                        (threads > 0 ? "passThreads: " + threads + "\n" : "") + "indexes: false\n", zk.connectString())) {
                    double up = daemon.awaitHttp(Duration.ofMinutes(5));
                    double done;
                    while (true) {
                        int left = pending(runRoots);
                        done = daemon.elapsed();
                        if (left == 0) {
                            break;
                        }
                        if (done > 900) {
                            throw new IllegalStateException(left + " sidecars left after 15 minutes");
                        }
                        Thread.sleep(50); // sidecar files another process deletes: polling is the condition
                    }
                    int converged = 0;
                    int rolledForward = 0;
                    for (String r : runRoots) {
                        try (Graph g = Graph.local(Path.of(r))) {
                            GraphStatus st = GraphStatus.of(g);
                            converged += st.converged() ? 1 : 0;
                            rolledForward += (int) st.tables().stream().filter(t -> t.pinnedVersion() == 2).count();
                        }
                    }
                    double window = done - up;
                    rows.add(new String[] {Integer.toString(threads), String.format("%,d", expected), String.format("%.1f", window),
                            String.format("%.0f", expected / window), String.format("%d/%d", converged, graphs),
                            String.format("%,d", rolledForward), String.format("%.1f", daemon.cpuSeconds())});
                }
            }
            System.out.println();
            System.out.printf("recovery storm: %d graphs x %d tables, local directory%n", graphs, tables);
            System.out.printf("%-12s %9s %14s %12s %10s %11s %13s %12s%n", "passThreads", "sidecars", "drain (s)", "sidecars/s", "goal",
                    "converged", "rolled fwd", "daemon CPU s");
            for (String[] r : rows) {
                System.out.printf("%-12s %9s %14s %12s %10s %11s %13s %12s%n", r[0], r[1], r[2], r[3], ">= " + (int) GOAL, r[4], r[5], r[6]);
            }
            System.out.printf("drain: from the daemon's HTTP API up (its passes start just before) to the last sidecar gone; %d cores shared with"
                    + " other work (CPU pressure avg60 %s%%)%n", Runtime.getRuntime().availableProcessors(), StartupBench.cpuPressure());
        }
        return 0;
    }

    /** Runs the writers in a child JVM until every one paused after its commit, SIGKILLs it, waits for its leases to vanish. */
    static double crash(String connect, List<String> roots, int expected) throws Exception {
        long t0 = System.nanoTime();
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xss512k",
                "--add-opens=java.base/java.nio=ALL-UNNAMED", "-Dlogback.configurationFile=child-logback.xml",
                "-cp", System.getProperty("java.class.path"), StormWriter.class.getName(), connect));
        cmd.addAll(roots);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("LANCE_LOG", "error");
        Process p = pb.start();
        int paused = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while (paused < expected && (line = r.readLine()) != null) {
                if (line.startsWith("PAUSED")) {
                    paused++;
                } else if (line.startsWith("WRITER FAILED")) {
                    p.destroyForcibly();
                    throw new IllegalStateException(line);
                }
            }
        } finally {
            p.destroyForcibly(); // SIGKILL: no lease released, no sidecar deleted
            p.waitFor();
        }
        if (paused < expected) {
            throw new IllegalStateException("only " + paused + " of " + expected + " writers paused");
        }
        try (ZkSession zs = ZkSession.connect(connect, Duration.ofSeconds(10), Duration.ofSeconds(10), null)) {
            for (int i = 0; i < roots.size(); i++) {
                String leases = LeasePaths.graphPath("g" + i) + "/leases";
                while (hasLockNodes(zs, leases)) {
                    Thread.sleep(100); // the dead writer's session expiring: no event to await here
                }
            }
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static boolean hasLockNodes(ZkSession zs, String leases) throws Exception {
        if (zs.client().checkExists().forPath(leases) == null) {
            return false;
        }
        for (String lease : zs.client().getChildren().forPath(leases)) {
            String lock = leases + "/" + lease + "/lock";
            if (zs.client().checkExists().forPath(lock) != null && !zs.client().getChildren().forPath(lock).isEmpty()) {
                return true;
            }
        }
        return false;
    }

    static int pending(List<String> roots) throws Exception {
        int n = 0;
        for (String r : roots) {
            Path rec = Path.of(r, "_recovery");
            if (Files.isDirectory(rec)) {
                try (Stream<Path> s = Files.list(rec)) {
                    n += (int) s.filter(p -> p.getFileName().toString().endsWith(".json")).count();
                }
            }
        }
        return n;
    }

}
