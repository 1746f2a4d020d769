package reconciler.bench.chaos;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import reconciler.core.GraphStatus;
import reconciler.leases.EmbeddedZooKeeper;
import reconciler.graph.Graph;

/**
 * A randomized crash loop (Jepsen-style) over one graph: a standalone ZooKeeper server in this
 * JVM (it survives every kill), {@code writers} writer JVMs ({@link ChaosWriter}: mixed
 * operations over two or three tables) and {@code daemons} daemon JVMs ({@code reconciler run},
 * events on, 2 s safety poll). Each round waits a random 50-600 ms, then injects one fault
 * chosen with {@link Random} seeded by {@link Settings#seed()} (a fault on a writer lands a random
 * 0-149 ms after the writer announced its next operation, so that most land inside one):
 * <ul>
 *   <li>{@code writer-kill}, {@code daemon-kill}: SIGKILL, then restart;</li>
 *   <li>{@code writer-pause}, {@code daemon-pause}: SIGSTOP for 50 ms to half the session timeout, SIGCONT;</li>
 *   <li>{@code writer-zombie}, {@code daemon-zombie}: SIGSTOP past the ZooKeeper session timeout (the
 *       server expires the session and deletes the lock nodes); for a writer stopped with its
 *       sidecar on storage, SIGCONT only once a daemon healed that sidecar (or 20 s passed), so the
 *       resumed writer must be fenced off.</li>
 * </ul>
 * The invariants ({@link Invariants}) are checked incrementally after every round; after the last
 * round the writers are SIGKILLed, the daemons converge the graph and the final checks run. Every
 * violation is printed at once with the seed, the round and a reproduction command. The seed fixes
 * the fault schedule (kinds, targets, instants, durations) and the writers' operation shapes; the
 * children's own timing is not reproducible, so a replay explores the same schedule, not the same
 * interleaving.
 *
 * <p>Where it lives: in {@code bench} (which depends on {@code reconciler} only), so both
 * {@code bin/bench chaos} and the {@code it} module's {@code ChaosIT} (test dependency on
 * {@code bench}) use it and the module graph stays acyclic. Each backend brings its own S3 server
 * through {@link ChaosBackend}.
 */
public final class ChaosEngine {

    /** Tick of the in-process ZooKeeper server (ms): sessions expire at this granularity. */
    public static final int TICK_MS = 100;

    /**
     * Run parameters.
     *
     * @param seed seeds every random choice of the run
     * @param rounds faults to inject (one per round)
     * @param backend {@code local} or {@code s3} (for the report and the reproduction command)
     * @param writers writer JVMs, at least 1
     * @param daemons daemon JVMs, at least 1
     * @param session ZooKeeper session timeout of every child (at least 4 ticks)
     * @param out where progress, violations and the report go
     */
    public record Settings(long seed, int rounds, String backend, int writers, int daemons, Duration session, PrintStream out) {
        public Settings {
            if (rounds < 0 || writers < 1 || daemons < 1 || session.toMillis() < 4L * TICK_MS) {
                throw new IllegalArgumentException("need rounds >= 0, writers >= 1, daemons >= 1, session >= " + 4 * TICK_MS + " ms");
            }
        }
    }

    /** Fault kinds and their weights. */
    enum Fault {
        WRITER_KILL("writer-kill", 30), WRITER_PAUSE("writer-pause", 10), WRITER_ZOMBIE("writer-zombie", 15),
        DAEMON_KILL("daemon-kill", 25), DAEMON_PAUSE("daemon-pause", 10), DAEMON_ZOMBIE("daemon-zombie", 10);

        final String label;
        final int weight;

        Fault(String label, int weight) {
            this.label = label;
            this.weight = weight;
        }

        static Fault pick(Random rnd) {
            int total = 0;
            for (Fault f : values()) {
                total += f.weight;
            }
            int x = rnd.nextInt(total);
            for (Fault f : values()) {
                x -= f.weight;
                if (x < 0) {
                    return f;
                }
            }
            throw new AssertionError();
        }
    }

    private final Settings s;
    private final ChaosBackend backend;
    private final Path dir;
    private final List<String> childJvm;
    private final ChaosReport report;
    private final Invariants inv;
    private final List<Child> writers = new ArrayList<>();
    private final List<Child> daemons = new ArrayList<>();

    /**
     * @param dir an empty working directory (ZooKeeper data, config, children's logs)
     * @param childJvm the command prefix that runs a class of this class path in a child JVM:
     *     java, its options, {@code -cp} and the class path (see {@link #childJvm})
     */
    public ChaosEngine(Settings settings, ChaosBackend backend, Path dir, List<String> childJvm) {
        this.s = settings;
        this.backend = backend;
        this.dir = dir;
        this.childJvm = List.copyOf(childJvm);
        this.report = new ChaosReport(settings);
        this.inv = new Invariants(report);
    }

    /**
     * A child JVM command prefix: this JVM's java, small heap, client compiler, {@code java.nio}
     * opened for Arrow, the given class path.
     *
     * @param tmpDir the children's {@code java.io.tmpdir} (Lance unpacks its native library there; created if missing), or null
     * @param logbackConfig a logback configuration (file or class path resource) for the children, or null
     */
    public static List<String> childJvm(String classPath, Path tmpDir, String logbackConfig) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx384m",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "--add-opens=java.base/java.nio=ALL-UNNAMED"));
        if (tmpDir != null) {
            try {
                Files.createDirectories(tmpDir);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            cmd.add("-Djava.io.tmpdir=" + tmpDir);
        }
        if (logbackConfig != null) {
            cmd.add("-Dlogback.configurationFile=" + logbackConfig);
        }
        cmd.addAll(List.of("-cp", classPath));
        return cmd;
    }

    /**
     * Runs the loop and the final checks.
     *
     * @return the report (violations empty when every invariant held)
     * @throws Exception if the environment fails (ZooKeeper, storage, a child that cannot be started or stopped);
     *     a broken invariant is a violation in the report, not an exception
     */
    public ChaosReport run() throws Exception {
        long t0 = System.nanoTime();
        Random rnd = new Random(s.seed());
        // an interrupted driver (Ctrl-C, SIGTERM) must not leave writer and daemon JVMs behind
        Thread reaper = new Thread(() -> concat().forEach(Child::destroyForcibly), "chaos-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir.resolve("zk"), 0, TICK_MS); Graph g = backend.open()) {
            try {
                loop(zk, g, rnd, t0);
            } finally {
                stopChildren(); // while ZooKeeper still serves: daemons shut down cleanly
            }
        } finally {
            inv.close();
            Runtime.getRuntime().removeShutdownHook(reaper);
        }
        report.wall(System.nanoTime() - t0);
        report.print(s.out());
        return report;
    }

    private void loop(EmbeddedZooKeeper zk, Graph g, Random rnd, long t0) throws Exception {
        g.init("chaos", ChaosSchema.schema());
        Path cfg = writeConfig(zk.connectString());
        for (int i = 0; i < s.daemons(); i++) {
            Child d = new Child("daemon-" + i, n -> command("reconciler.cli.Main", "run", "--config", cfg.toString()),
                    backend.env(), dir.resolve("daemon-" + i + ".log"), null);
            daemons.add(d);
            d.start();
        }
        for (int i = 0; i < s.writers(); i++) {
            long slot = i;
            Child w = new Child("writer-" + i, n -> command(ChaosWriter.class.getName(), backend.root(), cfg.toString(),
                    Long.toString(s.seed() * 1_000_003L + slot * 1009L + n)), backend.env(), dir.resolve("writer-" + i + ".log"),
                    (c, line) -> inv.onLine(line));
            writers.add(w);
            w.start();
        }
        s.out().printf("chaos: seed %d, %s, %d writer(s), %d daemon(s), session %d ms, %d round(s); logs in %s%n", s.seed(),
                backend.name(), s.writers(), s.daemons(), s.session().toMillis(), s.rounds(), dir);
        if (!await(() -> {
            for (Child c : concat()) {
                if (!c.alive()) {
                    throw new IllegalStateException(c.name + " exited with code " + c.exitCode() + " during start-up:\n" + c.logTail(30));
                }
            }
            return report.operations().getOrDefault("acked", 0L) > 0;
        }, Duration.ofMinutes(3))) {
            report.violation(0, "no writer acknowledged an operation within 3 minutes of start-up");
        }
        for (int r = 1; r <= s.rounds(); r++) {
            inv.round(r);
            restartExited(r);
            Thread.sleep(50 + rnd.nextInt(550)); // the random instant of this round's fault
            Fault f = Fault.pick(rnd);
            report.fault(f.label);
            String what = inject(f, rnd, g);
            long checked = inv.checkNewVersions(g, false);
            report.roundDone(r);
            s.out().printf("round %d at %.1f s: %s; manifest versions checked %d; ops %s%n", r, (System.nanoTime() - t0) / 1e9, what,
                    checked, report.operations());
        }
        inv.round(s.rounds() + 1L);
        long c0 = System.nanoTime();
        converge(g);
        long c1 = System.nanoTime();
        inv.checkFinal(g);
        s.out().printf("converged %.1f s after the last round; final checks %.1f s%n", (c1 - c0) / 1e9, (System.nanoTime() - c1) / 1e9);
    }

    /** SIGKILLs the writers, SIGTERMs the daemons (all first, then waits). */
    private void stopChildren() throws IOException, InterruptedException {
        for (Child c : writers) {
            if (c.alive()) {
                c.kill();
            }
        }
        List<Child> stopping = new ArrayList<>();
        for (Child c : daemons) {
            if (c.alive()) {
                c.signal("CONT");
                c.signal("TERM");
                stopping.add(c);
            }
        }
        for (Child c : stopping) {
            int rc = c.awaitExit(60);
            if (rc != 143) {
                s.out().println(c.name + " exited " + rc + " after SIGTERM (expected 143); see " + dir.resolve(c.name + ".log"));
            }
        }
    }

    /** Restarts children that ended without being killed by the loop (counted as {@code <role>-exited}). */
    private void restartExited(long round) throws IOException {
        for (Child c : concat()) {
            if (!c.alive()) {
                s.out().printf("round %d: %s exited by itself with code %d (log %s); restarting%n", round, c.name, c.exitCode(),
                        dir.resolve(c.name + ".log"));
                report.op(c.name.substring(0, c.name.indexOf('-')) + "-exited");
                c.start();
            }
        }
    }

    private List<Child> concat() {
        List<Child> all = new ArrayList<>(writers);
        all.addAll(daemons);
        return all;
    }

    private List<String> command(String mainClass, String... args) {
        List<String> cmd = new ArrayList<>(childJvm);
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        return cmd;
    }

    private Path writeConfig(String connect) throws IOException {
        Path cfg = dir.resolve("reconciler.yaml");
        Files.writeString(cfg, String.join("\n", "graphs:", "  - " + backend.root(), "stateDir: " + dir.resolve("state"),
                "auditLog: " + dir.resolve("audit.jsonl"), "pollInterval: 2s", "events: true", "indexes: false", "leaseWait: 5s",
                "shutdownTimeout: 20s", "zookeeper:", "  connect: " + connect, "  sessionTimeout: " + s.session().toMillis() + "ms",
                "  connectTimeout: 30s", "") + backend.configYaml());
        return cfg;
    }

    /** Injects one fault. @return a one-line description for the round's log line */
    private String inject(Fault f, Random rnd, Graph g) throws Exception {
        boolean onWriter = f.label.startsWith("writer");
        List<Child> pool = onWriter ? writers : daemons;
        Child c = pool.get(rnd.nextInt(pool.size()));
        long session = s.session().toMillis();
        int offset = rnd.nextInt(150);
        if (onWriter) {
            // aim into an operation: its PLAN line, then a random 0-149 ms (staging, leases, sidecar, commits, publish)
            await(() -> c.inFlight() != null, Duration.ofSeconds(10));
            Thread.sleep(offset);
        }
        switch (f) {
            case WRITER_KILL, DAEMON_KILL -> {
                c.kill();
                String op = onWriter ? c.inFlight() : null; // final: the process is dead and its output read
                boolean sidecar = op != null && sidecarExists(g, op);
                if (sidecar) {
                    inv.leftSidecar(op);
                }
                c.start();
                return f.label + " " + c.name + (op == null ? "" : " (op " + op + (sidecar ? ", sidecar left)" : ", no sidecar)"));
            }
            case WRITER_PAUSE, DAEMON_PAUSE -> {
                long ms = 50 + rnd.nextInt((int) (session / 2 - 50));
                c.signal("STOP");
                Thread.sleep(ms); // the pause itself is the fault
                c.signal("CONT");
                return f.label + " " + c.name + " " + ms + " ms";
            }
            default -> {
                long ms = session + 2L * TICK_MS + rnd.nextInt(1000);
                c.signal("STOP");
                String op = onWriter ? c.inFlight() : null;
                boolean sidecar = op != null && sidecarExists(g, op);
                long stopped = System.nanoTime();
                Thread.sleep(ms); // past the session timeout: the server expires the stopped process's session
                String healed = "";
                if (sidecar) {
                    inv.zombie(op);
                    boolean gone = await(() -> !sidecarExists(g, op), Duration.ofSeconds(20));
                    if (gone) {
                        inv.leftSidecar(op); // the daemon healed it while the writer was stopped: one terminal record
                    }
                    healed = gone ? ", healed while stopped" : ", not healed within 20 s";
                }
                c.signal("CONT");
                return f.label + " " + c.name + " stopped " + (System.nanoTime() - stopped) / 1_000_000 + " ms"
                        + (op == null ? "" : " (op " + op + (sidecar ? ", sidecar" + healed + ")" : ", no sidecar)"));
            }
        }
    }

    private static boolean sidecarExists(Graph g, String op) throws IOException {
        return g.sidecars().read(op).isPresent();
    }

    /** Ends the writers (SIGKILL), makes sure every daemon runs, and waits for the graph to converge. */
    private void converge(Graph g) throws Exception {
        for (Child w : writers) {
            w.kill();
            String op = w.inFlight();
            if (op != null && sidecarExists(g, op)) {
                inv.leftSidecar(op);
            }
        }
        for (Child d : daemons) {
            if (!d.alive()) {
                d.start();
            }
        }
        Duration limit = Duration.ofSeconds(120);
        if (!await(() -> GraphStatus.of(g).converged(), limit)) {
            report.violation(s.rounds() + 1L, "the graph did not converge within " + limit.toSeconds() + " s of the last round: "
                    + GraphStatus.of(g));
        }
    }

    /** Polls {@code condition} (state other processes change) every 50 ms until true or {@code timeout}. */
    static boolean await(Callable<Boolean> condition, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (condition.call()) {
                    return true;
                }
            } catch (IllegalStateException e) {
                throw e; // the condition reports an environment failure
            } catch (IOException | RuntimeException e) {
                // a read racing another process's write: look again
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50); // no in-process event exists for another process's progress
        }
    }
}
