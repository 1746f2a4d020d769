package reconciler.bench.chaos;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The figures of one chaos run: rounds, faults injected per kind, operations planned /
 * acknowledged / refused, recovery outcomes per kind (from the durable audit records),
 * violations and wall time. Thread-safe: writer output threads update it while the loop runs.
 */
public final class ChaosReport {

    /**
     * One broken invariant.
     *
     * @param round the round during which it was detected (0: set-up, rounds + 1: final checks)
     * @param what the invariant and the evidence (operation ids, manifest versions, counts)
     */
    public record Violation(long round, String what) {
    }

    private final ChaosEngine.Settings settings;
    private final Map<String, Long> faults = new TreeMap<>();
    private final Map<String, Long> outcomes = new TreeMap<>();
    private final Map<String, Long> ops = new TreeMap<>();
    private final List<Violation> violations = new ArrayList<>();
    private long roundsDone;
    private long versionsChecked;
    private long wallNanos;

    ChaosReport(ChaosEngine.Settings settings) {
        this.settings = settings;
    }

    synchronized void fault(String kind) {
        faults.merge(kind, 1L, Long::sum);
    }

    /** Counts an operation event: {@code planned}, {@code acked}, {@code refused}, {@code failed}, {@code zombie-*}. */
    synchronized void op(String kind) {
        ops.merge(kind, 1L, Long::sum);
    }

    synchronized void outcome(String outcome, long n) {
        outcomes.merge(outcome, n, Long::sum);
    }

    synchronized void roundDone(long round) {
        roundsDone = round;
    }

    synchronized void versionsChecked(long n) {
        versionsChecked = n;
    }

    synchronized void wall(long nanos) {
        wallNanos = nanos;
    }

    /** Records a violation and prints it at once with the seed, the round and a reproduction command. */
    synchronized void violation(long round, String what) {
        Violation v = new Violation(round, what);
        violations.add(v);
        settings.out().println("VIOLATION seed=" + settings.seed() + " round=" + round + ": " + what);
        settings.out().println("  reproduce: " + reproduce(Math.max(1, Math.min(round, settings.rounds()))));
    }

    /** The command that replays this run's fault schedule up to {@code rounds} (timing of the children differs). */
    public String reproduce(long rounds) {
        return "bin/bench chaos --seed " + settings.seed() + " --rounds " + rounds + " --backend " + settings.backend()
                + " --writers " + settings.writers() + " --daemons " + settings.daemons();
    }

    public synchronized List<Violation> violations() {
        return List.copyOf(violations);
    }

    public synchronized Map<String, Long> faults() {
        return Map.copyOf(faults);
    }

    public synchronized Map<String, Long> outcomes() {
        return Map.copyOf(outcomes);
    }

    public synchronized Map<String, Long> operations() {
        return Map.copyOf(ops);
    }

    public synchronized long rounds() {
        return roundsDone;
    }

    /**
     * Prints the totals of several runs (epochs of one long run): rounds, faults, operations and
     * outcomes summed, every violation with its run's seed, wall time and time per round.
     *
     * @param wallNanos the whole run's wall time, set-up of every epoch included
     */
    public static void printTotals(PrintStream out, List<ChaosReport> runs, long wallNanos) {
        Map<String, Long> faults = new TreeMap<>();
        Map<String, Long> ops = new TreeMap<>();
        Map<String, Long> outcomes = new TreeMap<>();
        long rounds = 0;
        long versions = 0;
        List<String> violations = new ArrayList<>();
        for (ChaosReport r : runs) {
            synchronized (r) {
                r.faults.forEach((k, v) -> faults.merge(k, v, Long::sum));
                r.ops.forEach((k, v) -> ops.merge(k, v, Long::sum));
                r.outcomes.forEach((k, v) -> outcomes.merge(k, v, Long::sum));
                rounds += r.roundsDone;
                versions += r.versionsChecked;
                for (Violation v : r.violations) {
                    violations.add("seed " + r.settings.seed() + " round " + v.round() + ": " + v.what() + "\n    reproduce: "
                            + r.reproduce(Math.max(1, Math.min(r.settings.rounds(), v.round()))));
                }
            }
        }
        double secs = wallNanos / 1e9;
        out.println();
        out.printf("TOTAL over %d epoch(s): %d rounds, wall time %.1f s (%.2f s per round, set-up and convergence included)%n",
                runs.size(), rounds, secs, rounds == 0 ? 0.0 : secs / rounds);
        out.println("faults: " + faults);
        out.println("operations: " + ops);
        out.println("outcomes (audit records): " + outcomes);
        out.println("manifest versions checked: " + versions);
        out.println("violations: " + violations.size());
        violations.forEach(v -> out.println("  " + v));
    }

    /** Prints the summary (a few lines) to {@code out}. */
    public synchronized void print(PrintStream out) {
        double secs = wallNanos / 1e9;
        out.println();
        out.printf("chaos: seed %d, backend %s, %d writer(s), %d daemon(s)%n", settings.seed(), settings.backend(),
                settings.writers(), settings.daemons());
        out.printf("rounds: %d of %d; wall time %.1f s (%.2f s per round, set-up and final checks included)%n",
                roundsDone, settings.rounds(), secs, roundsDone == 0 ? 0.0 : secs / roundsDone);
        out.println("faults: " + faults);
        out.println("operations: " + ops);
        out.println("outcomes (audit records): " + outcomes);
        out.println("manifest versions checked: " + versionsChecked);
        out.println("violations: " + violations.size());
        for (Violation v : violations) {
            out.println("  round " + v.round() + ": " + v.what());
        }
        if (!violations.isEmpty()) {
            out.println("reproduce: " + reproduce(Math.min(settings.rounds(), violations.get(0).round())));
        }
    }
}
