package reconciler.bench.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import reconciler.cli.WriterLines;
import reconciler.daemon.Config;
import reconciler.daemon.Coordination;
import reconciler.daemon.Roots;
import reconciler.leases.LeaseException;
import reconciler.graph.DriftException;
import reconciler.graph.Failpoints;
import reconciler.graph.Graph;
import reconciler.writer.GraphWriter;
import reconciler.graph.RecoveryRequiredException;

/**
 * The chaos loop's writer, run as a child JVM: appends {@link ChaosSchema} operations with the
 * reference {@link GraphWriter} (phases A-D, leases, fencing) in an endless loop until it is
 * killed. Usage: {@code ChaosWriter ROOT CONFIG SEED}.
 *
 * <p>Stdout lines (see {@link WriterLines}): {@code PLAN op=<ulid> label=chaos rows=<t>=<n>,...}
 * before each operation, {@code ACK op=<ulid> manifest=v<N>} after its publish, and
 * {@code REFUSED op=<ulid> sidecar=<own|none> <reason>} when the writer refuses; {@code own}
 * means the operation's own sidecar was left on storage for the reconciler. Any other failure
 * prints {@code FAILED op=<ulid> <reason>} (nothing of the operation was written). After a
 * acknowledgement it thinks 0-150 ms, after a refusal or failure it backs off 20-100 ms, then goes
 * on with a new operation.
 */
public final class ChaosWriter {

    private ChaosWriter() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: ChaosWriter ROOT CONFIG SEED");
            System.exit(2);
        }
        Config cfg = Config.load(Path.of(args[1]));
        Random rnd = new Random(Long.parseLong(args[2]));
        try (Graph g = Roots.open(args[0], cfg); Coordination c = Coordination.open(cfg, false)) {
            GraphWriter w = new GraphWriter(g, c.leases(), "chaos", Duration.ofSeconds(5), Failpoints.none());
            while (true) {
                String op = GraphWriter.newOperationId();
                SortedMap<String, List<Map<String, Object>>> rows = ChaosSchema.operation(op, rnd);
                SortedMap<String, Integer> counts = new TreeMap<>();
                rows.forEach((t, r) -> counts.put(t, r.size()));
                print(WriterLines.plan(op, "chaos", counts));
                try {
                    print(WriterLines.ack(op, w.write(op, rows).manifestVersion()));
                    Thread.sleep(rnd.nextInt(150)); // think time: keeps the graph small (every operation is a Lance fragment per table)
                    continue;
                } catch (RecoveryRequiredException e) {
                    print("REFUSED op=" + op + " sidecar=" + (op.equals(e.operationId()) ? "own" : "none") + " " + oneLine(e));
                } catch (DriftException e) {
                    print("REFUSED op=" + op + " sidecar=none " + oneLine(e));
                } catch (LeaseException | java.io.IOException | RuntimeException e) {
                    print("FAILED op=" + op + " " + oneLine(e));
                }
                Thread.sleep(20 + rnd.nextInt(80)); // back off: the reconciler heals what blocked us
            }
        }
    }

    private static void print(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static String oneLine(Exception e) {
        return String.valueOf(e.getMessage()).replace('\n', ' ');
    }
}
