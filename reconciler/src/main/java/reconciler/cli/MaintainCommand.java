package reconciler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import reconciler.daemon.Config;
import reconciler.maintenance.MaintenanceJob;

@Command(name = "maintain", mixinStandardHelpOptions = true, description = {
        "Run a maintenance kind on a graph through the running daemon (POST /v1/graphs/GRAPH/maintenance/KIND).",
        "Exit 0 succeeded (or accepted, without --wait); 2 unsupported kind or unknown graph; 3 no or wrong token; 4 the job failed or the daemon is unreachable."})
final class MaintainCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "GRAPH", description = "graph id, or a graph root directory")
    String graph;

    @Parameters(index = "1", paramLabel = "KIND", description = "an advertised kind ('reconciler kinds')")
    String kind;

    @Option(names = "--wait", arity = "0..1", fallbackValue = "1h", paramLabel = "DURATION",
            description = "wait until the job finished (at most DURATION, default 1h) and exit with its outcome")
    String wait;

    @Option(names = "--json", description = "print the job's JSON")
    boolean json;

    @Mixin
    Main.ConfigOption config;

    @Mixin
    DaemonApi.Options api;

    @Override
    public Integer call() throws Exception {
        Duration bound = wait == null ? Duration.ZERO : Config.parseDuration(wait);
        try {
            DaemonApi d = new DaemonApi(config.load(), api);
            String path = "/v1/graphs/" + DaemonApi.enc(DaemonApi.graphId(graph)) + "/maintenance/" + DaemonApi.enc(kind);
            long deadline = System.nanoTime() + bound.toNanos();
            DaemonApi.Answer a = d.post(path + (bound.isZero() ? "" : "?wait=" + bound.toSeconds() + "s"), bound);
            if (!a.ok()) {
                return DaemonApi.fail(a);
            }
            JsonNode job = a.body();
            while (!bound.isZero() && !finished(job) && System.nanoTime() < deadline) {
                long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000_000L);
                DaemonApi.Answer p = d.get("/v1/jobs/" + DaemonApi.enc(job.path("id").asText()) + "?wait=" + left + "s", Duration.ofSeconds(left));
                if (!p.ok()) {
                    return DaemonApi.fail(p);
                }
                job = p.body();
            }
            if (json) {
                DaemonApi.print(job);
            } else {
                System.out.println(JobsCommand.line(job));
            }
            return state(job).map(MaintenanceJob.State::unsuccessful).orElse(false) ? Main.FAILURE : Main.OK;
        } catch (DaemonApi.Unreachable e) {
            System.err.println("error: " + e.getMessage());
            return Main.FAILURE;
        }
    }

    static boolean finished(JsonNode job) {
        return state(job).map(MaintenanceJob.State::finished).orElse(false);
    }

    /** The {@code state} of a job view from the API; empty if absent or unknown. */
    static java.util.Optional<MaintenanceJob.State> state(JsonNode job) {
        return MaintenanceJob.State.ofJson(job.path("state").asText());
    }
}
