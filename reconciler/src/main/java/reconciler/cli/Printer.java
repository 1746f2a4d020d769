package reconciler.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.PrintStream;
import reconciler.core.GraphStatus;
import reconciler.storage.Json;

/** Human and JSON renderings shared by the commands. */
final class Printer {
    private Printer() {
    }

    static void json(PrintStream out, Object o) {
        try {
            out.println(Json.MAPPER.writeValueAsString(o));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static void status(PrintStream out, GraphStatus s) {
        out.printf("graph %s at %s: manifest v%d, %s%s%n", s.graphId(), s.root(), s.manifestVersion(), s.converged() ? "converged" : "NOT converged",
                s.owner() == null ? "" : ", owned by daemon " + s.owner());
        out.printf("  %-20s %8s %8s %6s %6s%n", "table", "pin", "head", "drift", "token");
        for (GraphStatus.TableStatus t : s.tables()) {
            out.printf("  %-20s %8d %8d %6d %6d%n", t.table(), t.pinnedVersion(), t.headVersion(), t.drift(), t.fencingToken());
        }
        sidecars(out, s);
    }

    static void sidecars(PrintStream out, GraphStatus s) {
        if (s.sidecars().isEmpty() && s.corruptSidecars().isEmpty()) {
            out.println("  no pending sidecars");
        }
        for (GraphStatus.SidecarStatus p : s.sidecars()) {
            out.printf("  sidecar %s (%s, %s, tables %s%s): would %s%s: %s%n", p.operationId(), p.writerKind(), p.writer(), p.tables(),
                    reconciler.graph.Graph.MAIN_BRANCH.equals(p.branch()) ? "" : ", branch " + p.branch(),
                    p.decision(), p.deferred() ? " [deferred]" : "", p.reason());
        }
        for (GraphStatus.CorruptSidecar c : s.corruptSidecars()) {
            out.printf("  CORRUPT %s: %s%n", c.key(), c.reason());
        }
    }
}
