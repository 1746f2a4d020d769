package reconciler.bench.scale;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import reconciler.bench.harness.WorkDir;

/**
 * Start-up with many idle graphs (issue 16): a daemon in a child JVM (its own embedded ZooKeeper,
 * the shipped heap settings) over N graphs copied from one template; the time until its HTTP API
 * answers, and until {@code /readyz} says every graph was checked (the first pass), with the
 * progress {@code /readyz} reported on the way.
 */
@Command(name = "startup", mixinStandardHelpOptions = true,
        description = "Daemon start-up with N idle graphs: seconds until /readyz is ready (every graph checked by the first pass).")
public final class StartupBench implements Callable<Integer> {

    /** Goal of issue 16: 10,000 graphs ready within this many seconds. */
    static final double GOAL_SECONDS = 10;

    @Option(names = "--graphs", defaultValue = "10000", description = "idle graphs")
    int graphs;

    @Option(names = "--tables", defaultValue = "4", description = "tables per graph: 4 (the Debian schema) or 1")
    int tables;

    @Option(names = "--pass-threads", defaultValue = "8", description = "config key passThreads (0: leave the key out, for a build without it)")
    int passThreads;

    @Mixin
    WorkDir dir;

    /** The kernel's CPU pressure (avg60 of 'some'), or "?" where /proc/pressure is absent. */
    static String cpuPressure() {
        try {
            String l = Files.readAllLines(Path.of("/proc/pressure/cpu")).get(0);
            return l.replaceAll(".*avg60=([0-9.]+).*", "$1");
        } catch (Exception e) {
            return "?";
        }
    }

    @Override
    public Integer call() throws Exception {
        try (WorkDir.Scope work = dir.open("startup")) {
            Path d = work.path();
            long g0 = System.nanoTime();
            List<String> roots = GraphFarm.make(d, graphs, tables);
            System.out.printf("made %,d graphs of %d table(s) in %.1f s%n", graphs, tables, (System.nanoTime() - g0) / 1e9);
            try (DaemonChild daemon = DaemonChild.start(d.resolve("daemon"), roots, Duration.ofHours(1),
                passThreads > 0 ? "passThreads: " + passThreads + "\n" : "")) {
                double http = daemon.awaitHttp(Duration.ofMinutes(10));
                System.out.printf("%7.1f s  HTTP API up%n", http);
                double ready;
                double lastPrint = -1;
                while (true) {
                    String[] r = daemon.readyz();
                    double t = daemon.elapsed();
                    if (r[1].isEmpty() && r[0].equals("200")) { // a daemon without the first_pass check: count its first passes
                        long passed = MemoryBench.passes(daemon); // one daemon: it owns every graph
                        r = new String[] {passed >= graphs ? "200" : "503", String.format("first passes (from /metrics): %,d/%,d", passed, graphs)};
                    }
                    if (r[0].equals("200")) {
                        ready = t;
                        System.out.printf("%7.1f s  ready: %s%n", t, r[1]);
                        break;
                    }
                    if (t - lastPrint >= 1) {
                        System.out.printf("%7.1f s  %s%n", t, r[1].isEmpty() ? "not ready" : r[1]);
                        lastPrint = t;
                    }
                    if (t > 900) {
                        throw new IllegalStateException("not ready after 15 minutes");
                    }
                    Thread.sleep(500); // polling an HTTP endpoint: no event to await (each answer lists every graph)
                }
                double cpu = daemon.cpuSeconds();
                double rss = daemon.rssMiB();
                System.out.println();
                System.out.printf("%-44s %12s %14s%n", "start-up, " + String.format("%,d", graphs) + " graphs x " + tables + " tables", "measured", "goal");
                System.out.printf("%-44s %10.1f s %14s%n", "process start -> HTTP API up", http, "-");
                System.out.printf("%-44s %10.1f s %14s%n", "process start -> /readyz ready (all checked)", ready,
                        String.format("<= %.2f s%s", GOAL_SECONDS * graphs / 10_000.0, graphs == 10_000 ? "" : " (scaled)"));
                System.out.printf("%-44s %10.1f s %14s%n", "daemon CPU until ready (user + system)", cpu, "-");
                System.out.printf("%-44s %8.0f MiB %14s%n", "RSS when ready", rss, "<= 1024 MiB");
                System.out.printf("passThreads %d, %d cores shared with other work (CPU pressure 'some' avg60 %s%%): wall time is"
                        + " an upper bound; daemon CPU / cores is what an idle machine would need at least%n", passThreads,
                        Runtime.getRuntime().availableProcessors(), cpuPressure());
                Files.readAllLines(d.resolve("daemon").resolve("daemon.log")).stream().filter(l -> l.contains(" started: "))
                        .forEach(l -> System.out.println("daemon: " + l.substring(l.indexOf("started: "))));
            }
        }
        return 0;
    }
}
