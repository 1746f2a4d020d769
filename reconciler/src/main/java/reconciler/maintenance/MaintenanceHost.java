package reconciler.maintenance;

import com.codahale.metrics.MetricRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import reconciler.core.ReconcilePass;
import reconciler.leases.LeaseManager;

/**
 * What the daemon offers to maintenance kinds, the maintenance service, the HTTP API and the
 * SIGHUP handler. Implemented by the daemon ({@code reconciler.daemon.DaemonHost}); tests may
 * supply their own.
 */
public interface MaintenanceHost {

    /** This daemon's member id ({@code host:pid:id}). */
    String memberId();

    /** The daemon's metrics registry ({@code reconciler.*}). */
    MetricRegistry metrics();

    /** The ZooKeeper leases writers and the reconciler take (docs/leases.md). */
    LeaseManager leases();

    /** How long a recovery waits for busy leases ({@code leaseWait}). */
    Duration leaseWait();

    /** The safety poll interval of background passes ({@code pollInterval}). */
    Duration pollInterval();

    /** Whether background passes are event-driven ({@code events}). */
    boolean eventDriven();

    /** The configured graphs, in config order. */
    List<GraphRef> graphs();

    /**
     * Runs one reconcile pass over the graph now (trigger {@code maintenance}), regardless of
     * ownership, waiting up to {@code leaseWait} for busy leases: the same as {@code run --once}
     * for one graph, and as safe beside a scheduled pass (every step takes the same leases).
     *
     * @throws java.util.NoSuchElementException if the graph is not configured here
     * @throws IOException if the pass failed
     */
    ReconcilePass.Report reconcilePass(String graphId) throws IOException, InterruptedException;

    /**
     * Pauses or resumes the graph's background maintenance (index convergence after passes), so a
     * benchmark harness can measure before maintenance; recovery is never paused. This default refuses.
     *
     * @return whether it is paused now
     * @throws java.util.NoSuchElementException if the graph is not configured here
     * @throws UnsupportedOperationException if this host has no background maintenance
     */
    default boolean pauseBackground(String graphId, boolean paused) {
        throw new UnsupportedOperationException("this host runs no background maintenance");
    }

    /** Whether the graph's background maintenance is paused. */
    default boolean backgroundPaused(String graphId) {
        return false;
    }

    /** The last pass over the graph by this daemon, if any. */
    Optional<PassRecord> lastPass(String graphId);

    /** The daemon owning the graph (from ZooKeeper), if any; empty when unknown. */
    Optional<String> owner(String graphId);

    /**
     * Re-reads the graph list from the config file the daemon was started with and applies it
     * (SIGHUP, {@code POST /v1/reload}). This default refuses: a host without a file cannot reload.
     *
     * @return what changed
     * @throws ReloadRefusedException if the file is invalid (nothing changes; the message names file, line and key) or there is no file
     */
    default ReloadResult reloadGraphs() throws ReloadRefusedException {
        throw new ReloadRefusedException("this host cannot reload its graph list", null);
    }
}
