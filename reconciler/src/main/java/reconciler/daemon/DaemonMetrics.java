package reconciler.daemon;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import java.util.concurrent.TimeUnit;
import reconciler.metrics.BucketTimers;

/** The daemon-wide gauges and the lease acquisition metrics (docs/maintenance.md, "Metrics"). */
final class DaemonMetrics {

    private DaemonMetrics() {
    }

    static void register(MetricRegistry metrics, Coordination coordination, GraphSet graphs) {
        metrics.gauge("reconciler.first_pass.checked", () -> () -> graphs.firstPassProgress()[0]);
        metrics.gauge("reconciler.storage.requests", () -> reconciler.storage.StorageStats::total);
        // 1 while the ZooKeeper session is CONNECTED: alert on 0 (nothing is recovered or maintained then)
        metrics.gauge("reconciler.zookeeper.connected", () -> () -> coordination.leases().isConnected() ? 1 : 0);
        Timer leaseWait = BucketTimers.timer(metrics, "reconciler.leases.wait");
        // acquisitions by result; "busy" (a live holder kept a lease past the wait) is normal while writers write
        Counter leasesAcquired = metrics.counter("reconciler.leases.acquisitions.acquired");
        Counter leasesBusy = metrics.counter("reconciler.leases.acquisitions.busy");
        coordination.leases().setAcquireObserver((acquired, graphId, tables, waitNanos) -> {
            if (acquired) {
                leasesAcquired.inc();
                leaseWait.update(waitNanos, TimeUnit.NANOSECONDS);
            } else {
                leasesBusy.inc();
            }
        });
    }
}
