package reconciler.daemon;

import com.codahale.metrics.MetricRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reconciler.core.ReconcilePass;
import reconciler.leases.LeaseManager;
import reconciler.maintenance.GraphRef;
import reconciler.maintenance.MaintenanceHost;
import reconciler.maintenance.PassRecord;
import reconciler.maintenance.ReloadRefusedException;
import reconciler.maintenance.ReloadResult;

/**
 * The {@link MaintenanceHost} of a running daemon, made of its rooms (the graph set, the pass
 * runner, ownership, the ZooKeeper session and the configuration snapshot), not of the
 * {@link Daemon} facade: the facade delegates here, never the other way.
 */
final class DaemonHost implements MaintenanceHost {

    private static final Logger LOG = LoggerFactory.getLogger(Daemon.LOGGER);

    /** Re-reads the graph list from the config file. */
    interface Reload {
        ReloadResult reload() throws Config.ConfigException;
    }

    private final String memberId;
    private final MetricRegistry metrics;
    private final Coordination coordination;
    private final Supplier<Config> config;
    private final GraphSet graphs;
    private final PassRunner runner;
    private final Ownership ownership;
    private final Reload reload;

    DaemonHost(String memberId, MetricRegistry metrics, Coordination coordination, Supplier<Config> config, GraphSet graphs,
            PassRunner runner, Ownership ownership, Reload reload) {
        this.memberId = memberId;
        this.metrics = metrics;
        this.coordination = coordination;
        this.config = config;
        this.graphs = graphs;
        this.runner = runner;
        this.ownership = ownership;
        this.reload = reload;
    }

    @Override
    public String memberId() {
        return memberId;
    }

    @Override
    public MetricRegistry metrics() {
        return metrics;
    }

    @Override
    public LeaseManager leases() {
        return coordination.leases();
    }

    @Override
    public Duration leaseWait() {
        return config.get().leaseWait;
    }

    @Override
    public Duration pollInterval() {
        return config.get().pollInterval;
    }

    @Override
    public boolean eventDriven() {
        return config.get().events;
    }

    @Override
    public List<GraphRef> graphs() {
        return graphs.managed();
    }

    /**
     * One pass over a graph now, trigger {@code maintenance}, regardless of ownership.
     *
     * @throws NoSuchElementException if no configured graph has that id
     * @throws IOException if the pass failed
     */
    @Override
    public ReconcilePass.Report reconcilePass(String graphId) throws IOException, InterruptedException {
        GraphHandle g = handle(graphId);
        ReconcilePass.Report r = runner.run(g, Trigger.MAINTENANCE);
        if (r == null) {
            PassRecord p = g.lastPass;
            throw new IOException("reconcile pass over " + g.configuredRoot + " failed: "
                    + (p == null || p.error() == null ? "see the log" : p.error()));
        }
        return r;
    }

    /** @throws NoSuchElementException if no configured graph has that id */
    @Override
    public boolean pauseBackground(String graphId, boolean paused) {
        GraphHandle g = handle(graphId);
        if (g.backgroundPaused != paused) {
            g.backgroundPaused = paused;
            LOG.info("background maintenance of {} {}", graphId, paused ? "paused (recovery still runs)" : "resumed");
        }
        return paused;
    }

    @Override
    public boolean backgroundPaused(String graphId) {
        return graphs.byId(graphId).map(g -> g.backgroundPaused).orElse(false);
    }

    @Override
    public Optional<PassRecord> lastPass(String graphId) {
        return graphs.byId(graphId).map(g -> g.lastPass);
    }

    @Override
    public Optional<String> owner(String graphId) {
        return ownership.ownerOf(graphId);
    }

    @Override
    public ReloadResult reloadGraphs() throws ReloadRefusedException {
        try {
            return reload.reload();
        } catch (Config.ConfigException e) {
            throw new ReloadRefusedException(e.getMessage(), e);
        }
    }

    private GraphHandle handle(String graphId) {
        return graphs.byId(graphId).orElseThrow(() -> new NoSuchElementException("no graph '" + graphId + "' is configured"));
    }
}
