package reconciler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "kinds", mixinStandardHelpOptions = true, description = "The maintenance kinds the running daemon advertises (GET /v1/maintenance-kinds). Exit 0; 4 if the daemon is unreachable.")
final class KindsCommand implements Callable<Integer> {

    @Mixin
    DaemonEndpoint.Query api;

    @Override
    public Integer call() throws Exception {
        return api.run(client -> {
            JsonNode kinds = client.maintenanceKindsDetailed();
            api.print(kinds, () -> {
                for (JsonNode k : kinds.path("details")) {
                    System.out.printf("%-10s %s%s%n", k.path("name").asText(), k.path("description").asText(),
                            k.path("reserved").asBoolean() ? " [reserved name]" : "");
                }
            });
            return Main.OK;
        });
    }
}
