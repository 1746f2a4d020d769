package reconciler.bench.scale;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import reconciler.bench.harness.WorkDir;

/**
 * Daemon memory (issue 16): RSS, heap in use after a full GC and threads of a daemon (child JVM, the
 * shipped {@code -Xms256m -Xmx2g}) once ready with N idle graphs; then a long loop of safety polls
 * over a smaller set (e.g. 288 polls per graph: a day of the default 5-minute poll) sampled along
 * the way, which must not grow.
 */
@Command(name = "memory", mixinStandardHelpOptions = true,
        description = "Daemon RSS and heap with N idle graphs, and along a long loop of passes (no growth).")
public final class MemoryBench implements Callable<Integer> {

    /** Goal of issue 16: RSS with 10,000 graphs. */
    static final double GOAL_RSS_MIB = 1024;

    @Option(names = "--graphs", defaultValue = "1,1000,10000", split = ",", description = "idle graph counts")
    List<Integer> counts;

    @Option(names = "--tables", defaultValue = "4", description = "tables per graph")
    int tables;

    @Option(names = "--loop-graphs", defaultValue = "100", description = "graphs of the pass loop (0: no loop)")
    int loopGraphs;

    @Option(names = "--loop-poll", defaultValue = "1s", description = "safety poll of the loop")
    String loopPoll;

    @Option(names = "--loop-polls", defaultValue = "288", description = "polls per graph in the loop (288 = a day of 5-minute polls)")
    int loopPolls;

    @Mixin
    WorkDir dir;

    @Override
    public Integer call() throws Exception {
        List<String> lines = new ArrayList<>();
        try (WorkDir.Scope work = dir.open("memory")) {
            Path d = work.path();
            for (int n : counts) {
                List<String> roots = GraphFarm.make(d.resolve("farm-" + n), n, tables);
                try (DaemonChild daemon = DaemonChild.start(d.resolve("daemon-" + n), roots, Duration.ofHours(1), "")) {
                    daemon.awaitHttp(Duration.ofMinutes(10));
                    while (!daemon.readyz()[0].equals("200")) {
                        Thread.sleep(500); // polling an HTTP endpoint: no event to await
                    }
                    double rss = daemon.rssMiB();
                    double heap = daemon.heapAfterGcMiB();
                    double rssAfterGc = daemon.rssMiB();
                    lines.add(String.format("%-34s %10.0f %12.0f %14.0f %9d %14s", String.format("%,d idle graphs, ready", n), rss, rssAfterGc,
                            heap, daemon.threads(), n == 10_000 ? "<= " + (int) GOAL_RSS_MIB : "-"));
                }
            }
            if (loopGraphs > 0) {
                Duration poll = reconciler.daemon.Config.parseDuration(loopPoll);
                List<String> roots = GraphFarm.make(d.resolve("farm-" + loopGraphs), loopGraphs, tables);
                try (DaemonChild daemon = DaemonChild.start(d.resolve("daemon-loop"), roots, poll, "")) {
                    daemon.awaitHttp(Duration.ofMinutes(10));
                    double first = -1;
                    double firstRss = -1;
                    double last = -1;
                    double lastRss = -1;
                    long total = poll.toMillis() * loopPolls;
                    for (int step = 1; step <= 4; step++) {
                        Thread.sleep(total / 4); // the loop runs by the daemon's own clock
                        last = daemon.heapAfterGcMiB();
                        lastRss = daemon.rssMiB();
                        if (first < 0) {
                            first = last;
                            firstRss = lastRss;
                        }
                        lines.add(String.format("%-34s %10.0f %12s %14.0f %9d %14s", String.format("loop %d%%: %,d passes", step * 25,
                                passes(daemon)), lastRss, "-", last, daemon.threads(), step == 4 ? String.format("heap %+.1f", last - first) : "-"));
                    }
                    lines.add(String.format("loop over %d graphs, poll %s, %d polls per graph: heap after GC %+.1f MiB, RSS %+.0f MiB"
                            + " from the 25%% sample to the end", loopGraphs, loopPoll, loopPolls, last - first, lastRss - firstRss));
                }
            }
            System.out.println();
            System.out.printf("%-34s %10s %12s %14s %9s %14s%n", "daemon (" + tables + " tables per graph)", "RSS MiB", "RSS after GC",
                    "heap after GC", "threads", "goal");
            System.out.println("goal: RSS <= 1024 MiB with 10,000 graphs; the loop's heap after GC does not grow (last sample - first)");
            lines.forEach(System.out::println);
            System.out.printf("-Xms256m -Xmx2g (dist/jvm.options); %d cores shared with other work%n", Runtime.getRuntime().availableProcessors());
        }
        return 0;
    }

    /** Passes so far, from the daemon's /metrics (poll and watch). */
    static long passes(DaemonChild daemon) throws Exception {
        return counter(daemon, "reconciler_passes_total{trigger=\"poll\"}") + counter(daemon, "reconciler_passes_total{trigger=\"watch\"}");
    }

    /** One series from the daemon's /metrics, named with its labels as printed (0 when absent). */
    static long counter(DaemonChild daemon, String name) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(daemon.base() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        long n = 0;
        for (String l : r.body().split("\n")) {
            if (l.startsWith(name + " ")) {
                n += (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
            }
        }
        return n;
    }
}
