package reconciler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import reconciler.client.Job;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import reconciler.daemon.Config;
import reconciler.maintenance.MaintenanceJob;

@Command(name = "jobs", mixinStandardHelpOptions = true, description = "Maintenance jobs of the running daemon (GET /v1/jobs), or one job (GET /v1/jobs/ID). Exit 0; 4 a failed job or an unreachable daemon.")
final class JobsCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "ID", description = "a job id")
    String id;

    @Option(names = "--wait", arity = "0..1", fallbackValue = "1h", paramLabel = "DURATION", description = "with ID: wait until it finished (at most DURATION)")
    String wait;

    @Mixin
    DaemonEndpoint.Query api;

    @Override
    public Integer call() throws Exception {
        return api.run(client -> {
            if (id == null) {
                List<Job> all = client.jobs();
                api.print(JsonOutput.API.createObjectNode().set("jobs",
                        JsonOutput.API.createArrayNode().addAll(all.stream().map(Job::raw).toList())), () -> {
                    for (Job j : all) {
                        System.out.println(line(j.raw()));
                    }
                });
                return Main.OK;
            }
            Job j = client.job(id, wait == null ? Duration.ZERO : Config.parseDuration(wait));
            api.print(j.raw(), () -> System.out.println(line(j.raw())));
            return exit(j);
        });
    }

    /** A job's exit code: 4 for a failed or cancelled job, else 0. */
    static int exit(Job j) {
        return MaintenanceJob.State.ofJson(j.state()).map(MaintenanceJob.State::unsuccessful).orElse(false) ? Main.FAILURE : Main.OK;
    }

    /** One line per job: {@code job <id> <kind> on <graph>: <state> [in N ms]: <summary or error>}. */
    static String line(JsonNode j) {
        StringBuilder sb = new StringBuilder("job ").append(j.path("id").asText()).append(' ').append(j.path("kind").asText())
                .append(" on ").append(j.path("graph").asText()).append(": ").append(j.path("state").asText());
        if (!j.path("durationMs").isNull() && !j.path("durationMs").isMissingNode()) {
            sb.append(" in ").append(j.path("durationMs").asLong()).append(" ms");
        }
        if (j.hasNonNull("summary")) {
            sb.append(": ").append(j.path("summary").asText());
        } else if (j.hasNonNull("error")) {
            sb.append(": ").append(j.path("error").path("type").asText()).append(": ").append(j.path("error").path("message").asText());
        }
        return sb.toString();
    }
}
