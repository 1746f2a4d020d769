package reconciler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "kinds", mixinStandardHelpOptions = true, description = "The maintenance kinds the running daemon advertises (GET /v1/maintenance-kinds). Exit 0; 4 if the daemon is unreachable.")
final class KindsCommand implements Callable<Integer> {

    @Mixin
    Main.ConfigOption config;

    @Mixin
    DaemonApi.Options api;

    @Option(names = "--json", description = "print the API's JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try {
            DaemonApi.Answer a = new DaemonApi(config.load(), api).get("/v1/maintenance-kinds");
            if (!a.ok()) {
                return DaemonApi.fail(a);
            }
            if (json) {
                DaemonApi.print(a.body());
            } else {
                for (JsonNode k : a.body().path("details")) {
                    System.out.printf("%-10s %s%s%n", k.path("name").asText(), k.path("description").asText(),
                            k.path("reserved").asBoolean() ? " [reserved name]" : "");
                }
            }
            return Main.OK;
        } catch (DaemonApi.Unreachable e) {
            System.err.println("error: " + e.getMessage());
            return Main.FAILURE;
        }
    }
}
