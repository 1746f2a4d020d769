package reconciler.maintenance;

import reconciler.graph.Graph;

/**
 * A graph the daemon keeps healthy.
 *
 * @param graphId the manifest's graph id, or null when the root has no readable manifest
 * @param root the graph root as configured
 * @param graph the daemon's open handle
 */
public record GraphRef(String graphId, String root, Graph graph) {
}
