package reconciler.daemon;

import com.codahale.metrics.MetricRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import reconciler.core.ReconcilePass;
import reconciler.leases.LeaseManager;
import reconciler.maintenance.GraphRef;
import reconciler.maintenance.MaintenanceHost;
import reconciler.maintenance.PassRecord;
import reconciler.maintenance.ReloadRefusedException;
import reconciler.maintenance.ReloadResult;

/** The {@link MaintenanceHost} of a running {@link Daemon}. */
final class DaemonHost implements MaintenanceHost {

    private final Daemon daemon;

    DaemonHost(Daemon daemon) {
        this.daemon = daemon;
    }

    @Override
    public String memberId() {
        return daemon.memberId();
    }

    @Override
    public MetricRegistry metrics() {
        return daemon.metrics();
    }

    @Override
    public LeaseManager leases() {
        return daemon.coordination().leases();
    }

    @Override
    public Duration leaseWait() {
        return daemon.config().leaseWait;
    }

    @Override
    public Duration pollInterval() {
        return daemon.config().pollInterval;
    }

    @Override
    public boolean eventDriven() {
        return daemon.config().events;
    }

    @Override
    public List<GraphRef> graphs() {
        return daemon.managedGraphs();
    }

    @Override
    public ReconcilePass.Report reconcilePass(String graphId) throws IOException, InterruptedException {
        return daemon.maintenancePass(graphId);
    }

    @Override
    public boolean pauseBackground(String graphId, boolean paused) {
        return daemon.pauseBackground(graphId, paused);
    }

    @Override
    public boolean backgroundPaused(String graphId) {
        return daemon.backgroundPaused(graphId);
    }

    @Override
    public Optional<PassRecord> lastPass(String graphId) {
        return daemon.lastPass(graphId);
    }

    @Override
    public Optional<String> owner(String graphId) {
        return daemon.ownerOf(graphId);
    }

    @Override
    public ReloadResult reloadGraphs() throws ReloadRefusedException {
        try {
            return daemon.reloadGraphs();
        } catch (Config.ConfigException e) {
            throw new ReloadRefusedException(e.getMessage(), e);
        }
    }
}
