package reconciler.maintenance;

/** No configured graph has that id. HTTP: 404 with error type {@code GraphNotFound}. */
public final class GraphNotFoundException extends Exception {
    private final String graph;

    public GraphNotFoundException(String graph, java.util.List<String> known) {
        super("no graph '" + graph + "' is configured on this daemon; graphs: " + known);
        this.graph = graph;
    }

    public String graph() {
        return graph;
    }
}
