package reconciler.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "reload", mixinStandardHelpOptions = true, description = {
        "Make the running daemon re-read 'graphs' from its config file (POST /v1/reload; SIGHUP does the same).",
        "Exit 0; 2 the config file is invalid (the daemon keeps its graphs); 3 no or wrong token; 4 daemon unreachable."})
final class ReloadCommand implements Callable<Integer> {

    @Mixin
    DaemonEndpoint.Options api;

    @Override
    public Integer call() throws Exception {
        return DaemonEndpoint.run(api, client -> {
            JsonOutput.line(client.reload());
            return Main.OK;
        });
    }
}
