package reconciler.cli;

import java.time.Duration;
import reconciler.client.Job;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import reconciler.daemon.Config;

@Command(name = "maintain", mixinStandardHelpOptions = true, description = {
        "Run a maintenance kind on a graph through the running daemon (POST /v1/graphs/GRAPH/maintenance/KIND).",
        "Exit 0 succeeded (or accepted, without --wait); 2 unsupported kind or unknown graph; 3 no or wrong token; 4 the job failed or the daemon is unreachable."})
final class MaintainCommand implements Callable<Integer> {

    @Mixin
    DaemonEndpoint.GraphArg graph;

    @Parameters(index = "1", paramLabel = "KIND", description = "an advertised kind ('reconciler kinds')")
    String kind;

    @Option(names = "--wait", arity = "0..1", fallbackValue = "1h", paramLabel = "DURATION",
            description = "wait until the job finished (at most DURATION, default 1h) and exit with its outcome")
    String wait;

    @Option(names = "--json", description = "print the job's JSON")
    boolean json;

    @Mixin
    DaemonEndpoint.Options api;

    @Override
    public Integer call() throws Exception {
        Duration bound = wait == null ? Duration.ZERO : Config.parseDuration(wait);
        return DaemonEndpoint.run(api, client -> {
            String graphId = graph.id();
            Job job = bound.isZero() ? client.runMaintenanceAsync(graphId, kind) : client.runMaintenance(graphId, kind, bound);
            JsonOutput.print(json, job.raw(), () -> System.out.println(JobsCommand.line(job.raw())));
            return JobsCommand.exit(job);
        });
    }
}
