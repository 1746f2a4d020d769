package reconciler.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.commons.io.FileUtils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import reconciler.bench.chaos.ChaosBackend;
import reconciler.bench.chaos.ChaosEngine;
import reconciler.bench.chaos.ChaosReport;
import reconciler.bench.harness.WorkDir;

/**
 * {@code bin/bench chaos}: the randomized crash loop ({@link ChaosEngine}) for long runs, in epochs
 * of {@code --epoch} rounds (each a fresh graph, ZooKeeper server and children, so that a long
 * run's cost per round stays flat: every operation adds a Lance fragment per table). Prints one
 * line per round, every violation with its seed, round and reproduction command, a summary per
 * epoch, then the totals: rounds, faults per kind, operations, recovery outcomes per kind and
 * wall time. Exit code 0 when no invariant broke, 1 otherwise, 2 on a usage error. Working
 * directories of epochs with violations are kept.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = {"Randomized crash loop: SIGKILL / SIGSTOP+SIGCONT writers and daemons of one graph at seeded random instants,",
                "then let a daemon converge and check the invariants (docs/protocol.md, 'Randomized crash loop')."})
final class ChaosCommand implements Callable<Integer> {

    @Option(names = "--rounds", defaultValue = "100", description = "faults to inject, one per round (default ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--seed", description = "seed of every random choice (default: random, printed)")
    Long seed;

    @Option(names = "--writers", defaultValue = "2", description = "writer JVMs (default ${DEFAULT-VALUE})")
    int writers;

    @Option(names = "--daemons", defaultValue = "2", description = "daemon JVMs (default ${DEFAULT-VALUE})")
    int daemons;

    @Mixin
    ChildOptions children;

    @Option(names = "--keep", description = "keep the working directory (graph, logs) after the run")
    boolean keep;

    @Option(names = "--epoch", defaultValue = "100", description = {"rounds per graph (default ${DEFAULT-VALUE}): every EPOCH rounds the loop",
            "converges and checks, then starts over with a fresh graph, ZooKeeper and children; epoch k uses seed SEED+k"})
    int epoch;

    @Override
    public Integer call() throws Exception {
        if (rounds < 1 || epoch < 1 || writers < 1 || daemons < 1) {
            System.err.println("error: --rounds, --epoch, --writers and --daemons must be at least 1");
            return 2;
        }
        long s = seed != null ? seed : new java.security.SecureRandom().nextLong();
        WorkDir.Scope work = WorkDir.temporary("chaos");
        if (keep) {
            work.keep();
        }
        List<ChaosReport> runs = new ArrayList<>();
        long t0 = System.nanoTime();
        System.out.printf("chaos: seed %d, %d round(s) in epochs of %d, backend %s, %d writer(s), %d daemon(s), session %s%n", s, rounds,
                epoch, children.backend, writers, daemons, children.session);
        try (work; BenchBackend b = children.start(work.path())) {
            int done = 0;
            for (int k = 0; done < rounds; k++) {
                int r = Math.min(epoch, rounds - done);
                Path dir = java.nio.file.Files.createDirectories(work.path().resolve("epoch-" + k));
                ChaosEngine.Settings settings = new ChaosEngine.Settings(s + k, r, children.backend, writers, daemons,
                        children.sessionTimeout(), System.out);
                ChaosBackend cb = "local".equals(children.backend) ? ChaosBackend.local(dir) : adapt(b, "chaos-" + k);
                ChaosReport report = new ChaosEngine(settings, cb, dir, ChaosEngine.childJvm(System.getProperty("java.class.path"), null,
                        "child-logback.xml")).run();
                runs.add(report);
                done += r;
                if (report.violations().isEmpty() && !keep) {
                    FileUtils.deleteDirectory(dir.toFile());
                } else {
                    work.keep(); // the working directory of an epoch with violations, and the run's, are kept
                    System.out.println("epoch " + k + " kept in " + dir);
                }
            }
        }
        ChaosReport.printTotals(System.out, runs, System.nanoTime() - t0);
        return runs.stream().allMatch(r -> r.violations().isEmpty()) ? 0 : 1;
    }

    private static ChaosBackend adapt(BenchBackend b, String graph) {
        String root = b.root(graph);
        return ChaosBackend.of(b.name, root, b.configYaml(), b.env(), () -> b.open(root));
    }
}
