package reconciler.maintenance;

import java.util.List;

/**
 * Service-provider interface through which other modules (the indexer) plug maintenance kinds and
 * maintenance-state contributions into the daemon without changing it. List the implementation
 * in {@code META-INF/services/reconciler.maintenance.MaintenanceProvider}; the daemon loads every
 * provider on its class path when it starts ({@link java.util.ServiceLoader}). A provider that
 * throws is logged and skipped: none of its kinds is advertised.
 */
public interface MaintenanceProvider {

    /**
     * The kinds this provider implements on this daemon. Return only kinds that really work here
     * (advertising an unimplemented kind is a defect).
     */
    List<MaintenanceKind> kinds(MaintenanceHost host);

    /** Contributions to {@code maintenance-state} (declared index coverage, compaction, own backlog). */
    default List<MaintenanceStateContributor> stateContributors(MaintenanceHost host) {
        return List.of();
    }
}
