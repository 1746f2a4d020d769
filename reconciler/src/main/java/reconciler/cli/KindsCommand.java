package reconciler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "kinds", mixinStandardHelpOptions = true, description = "The maintenance kinds the running daemon advertises (GET /v1/maintenance-kinds). Exit 0; 4 if the daemon is unreachable.")
final class KindsCommand implements Callable<Integer> {

    @Mixin
    DaemonEndpoint.Options api;

    @Option(names = "--json", description = "print the API's JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        return DaemonEndpoint.run(api, client -> {
            JsonNode kinds = client.maintenanceKindsDetailed();
            if (json) {
                DaemonEndpoint.print(kinds);
            } else {
                for (JsonNode k : kinds.path("details")) {
                    System.out.printf("%-10s %s%s%n", k.path("name").asText(), k.path("description").asText(),
                            k.path("reserved").asBoolean() ? " [reserved name]" : "");
                }
            }
            return Main.OK;
        });
    }
}
