package reconciler.maintenance;

import reconciler.graph.Graph;

/**
 * A graph the daemon keeps healthy.
 *
 * @param graphId the manifest's graph id, or null when the root has no readable manifest
 * @param root the graph root as configured
 * @param graph the daemon's open handle
 * @param checked whether the daemon checked the graph since it started (its first pass ran)
 */
public record GraphRef(String graphId, String root, Graph graph, boolean checked) {

    /** A graph already checked (hosts without a first pass). */
    public GraphRef(String graphId, String root, Graph graph) {
        this(graphId, root, graph, true);
    }
}
