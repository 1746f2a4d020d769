package reconciler.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import reconciler.core.GraphStatus;
import reconciler.graph.Graph;

@Command(name = "sidecars", mixinStandardHelpOptions = true, description = "Each pending sidecar and the decision the daemon would take (dry run). Exit 0 if none pending, 1 otherwise.")
final class SidecarsCommand implements Callable<Integer> {
    @Mixin
    GraphTarget graph;

    @Mixin
    JsonOutput out;

    @Override
    public Integer call() throws Exception {
        try (Graph g = graph.open()) {
            GraphStatus s = GraphStatus.of(g);
            out.print(Map.of("sidecars", s.sidecars(), "corruptSidecars", s.corruptSidecars()), () -> Printer.sidecars(System.out, s));
            return s.sidecars().isEmpty() && s.corruptSidecars().isEmpty() ? Main.OK : Main.NOT_CONVERGED;
        }
    }
}
