package reconciler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "maintenance-state", mixinStandardHelpOptions = true, description = {
        "A graph's maintenance state from the running daemon (GET /v1/graphs/GRAPH/maintenance-state; fields: docs/maintenance.md).",
        "Exit 0 caught up, 1 not; 2 unknown graph; 4 daemon unreachable."})
final class MaintenanceStateCommand implements Callable<Integer> {

    @Mixin
    DaemonEndpoint.GraphArg graph;

    @Mixin
    DaemonEndpoint.Query api;

    @Override
    public Integer call() throws Exception {
        return api.run(client -> {
            JsonNode s = client.maintenanceState(graph.id()).raw();
            api.print(s, () -> human(s));
            return s.path("caughtUp").asBoolean() ? Main.OK : Main.NOT_CONVERGED;
        });
    }

    private static void human(JsonNode s) {
        System.out.printf("graph %s at %s: manifest v%s, %s (observed %s)%n", s.path("graph").asText(), s.path("root").asText(),
                s.path("manifestVersion").asText(), s.path("caughtUp").asBoolean() ? "caught up" : "NOT caught up", s.path("observedAt").asText());
        for (JsonNode r : s.path("notCaughtUp")) {
            System.out.println("  - " + r.asText());
        }
        JsonNode sc = s.path("sidecars");
        System.out.printf("  sidecars: %d pending (%d deferred), %d corrupt%s%n", sc.path("pending").asInt(), sc.path("deferred").asInt(),
                sc.path("corrupt").asInt(), sc.path("oldestAgeSeconds").isNull() ? "" : ", oldest " + sc.path("oldestAgeSeconds").asDouble() + " s");
        System.out.printf("  %-20s %6s %6s %6s %10s %6s  %s%n", "table", "pin", "head", "drift", "rows", "frags", "indexes (coverage)");
        for (JsonNode t : s.path("tables")) {
            StringBuilder idx = new StringBuilder();
            for (JsonNode i : t.path("indexes")) {
                idx.append(i.path("name").asText()).append('=').append(String.format("%.0f%%", 100 * i.path("coverage").asDouble()))
                        .append(i.path("declared").asBoolean() ? "" : "(undeclared)").append(' ');
            }
            System.out.printf("  %-20s %6d %6d %6d %10s %6s  %s%n", t.path("table").asText(), t.path("pinnedVersion").asLong(),
                    t.path("headVersion").asLong(), t.path("drift").asLong(), t.path("rows").asText(), t.path("fragments").asText(),
                    idx.length() == 0 ? "-" : idx.toString().strip());
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = s.path("kinds").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> k = it.next();
            JsonNode lr = k.getValue().path("lastRun");
            System.out.printf("  kind %-10s last run: %s%n", k.getKey(), lr.isNull() || lr.isMissingNode() ? "never"
                    : lr.path("state").asText() + " at " + lr.path("finishedAt").asText() + " in " + lr.path("durationMs").asText() + " ms");
        }
        JsonNode lp = s.path("background").path("lastPass");
        if (!lp.isNull() && !lp.isMissingNode()) {
            System.out.printf("  last pass: %s at %s, %d ms, converged=%s%n", lp.path("trigger").asText(), lp.path("startedAt").asText(),
                    lp.path("durationMs").asLong(), lp.path("converged").asText());
        }
    }
}
