package reconciler.daemon;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.jmx.JmxReporter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import reconciler.http.HttpApiServer;
import reconciler.http.HttpSettings;
import reconciler.maintenance.HangupReload;
import reconciler.maintenance.MaintenanceHost;
import reconciler.maintenance.MaintenanceService;

/**
 * The daemon's outward surfaces (issue #5, docs/maintenance.md): JMX (domain {@code reconciler}),
 * the HTTP API when {@code http.enabled}, and SIGHUP reloads. Started after the scheduler,
 * stopped first.
 */
final class ApiServices {

    private volatile JmxReporter jmxReporter;
    private volatile HttpApiServer httpServer;
    private volatile MaintenanceHost registered;

    /**
     * Starts JMX, the HTTP API (if enabled) and SIGHUP handling.
     *
     * @throws UncheckedIOException naming config key {@code http} if the address cannot be bound
     * @throws IllegalStateException naming {@code http.tokenEnv} if the configured token is shorter than 16 characters
     */
    void start(Config config, MaintenanceService maintenance, MaintenanceHost host, MetricRegistry metrics) {
        maintenance.graphsChanged();
        // Per-graph gauges stay off JMX: with 10,000 graphs they are 100,000 MBeans (CPU at start-up, heap for
        // ever); they are on GET /metrics with graph and table labels.
        JmxReporter j = JmxReporter.forRegistry(metrics).inDomain("reconciler")
                .filter((name, metric) -> !name.startsWith("reconciler.graph.")).build();
        j.start();
        jmxReporter = j;
        Config.Http http = config.http;
        if (http.enabled) {
            try {
                String token = http.tokenAvailable() ? http.token() : null;
                httpServer = HttpApiServer.start(maintenance, host, new HttpSettings(http.bind, http.port, http.threads,
                        http.maxWait, http.tokenEnv, token, Path.of(config.stateDir).resolve("http.port")));
            } catch (IOException e) {
                throw new UncheckedIOException("HTTP API (config key 'http'): cannot listen on " + http.bind + ":" + http.port + ": "
                        + e.getMessage(), e);
            }
        }
        registered = host;
        HangupReload.register(host);
    }

    /** The port the HTTP API listens on, or -1 when it is off. */
    int httpPort() {
        HttpApiServer h = httpServer;
        return h == null ? -1 : h.port();
    }

    /** Stops SIGHUP handling, the HTTP API, the maintenance service (if any) and JMX. */
    void stop(MaintenanceService maintenance) {
        MaintenanceHost host = registered;
        if (host != null) {
            HangupReload.unregister(host);
        }
        HttpApiServer h = httpServer;
        httpServer = null;
        if (h != null) {
            h.close();
        }
        if (maintenance != null) {
            maintenance.close();
        }
        JmxReporter j = jmxReporter;
        jmxReporter = null;
        if (j != null) {
            j.stop();
        }
    }
}
