package reconciler.cli;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import reconciler.core.ReconcilePass;
import reconciler.daemon.Config;
import reconciler.daemon.Daemon;

@Command(name = "run", mixinStandardHelpOptions = true, description = "Run the daemon (or one pass with --once). Exit 0 if every graph converged, 1 otherwise.")
final class RunCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @Option(names = "--once", description = "Run one pass over every graph and exit: 0 if every graph converged, 1 otherwise")
    boolean once;

    @Override
    public Integer call() throws Exception {
        Config cfg = config.load();
        if (cfg.graphs.isEmpty()) {
            System.err.println("error: no graph roots configured (key 'graphs')");
            return Main.USAGE;
        }
        if (once) {
            try (Daemon d = new Daemon(cfg)) {
                List<ReconcilePass.Report> reports = d.runOnce();
                boolean ok = true;
                for (int i = 0; i < reports.size(); i++) {
                    ReconcilePass.Report r = reports.get(i);
                    if (r == null) {
                        System.out.println(cfg.graphs.get(i) + ": pass failed (see log)");
                        ok = false;
                        continue;
                    }
                    final int idx = i;
                    r.results().forEach(x -> System.out.println(cfg.graphs.get(idx) + ": sidecar " + x.operationId() + " " + x.status() + " " + x.message()));
                    System.out.println(cfg.graphs.get(i) + ": manifest v" + r.status().manifestVersion() + (r.converged() ? " converged" : " NOT converged"));
                    ok &= r.converged();
                }
                return ok ? Main.OK : Main.NOT_CONVERGED;
            }
        }
        if (cfg.zookeeper.connect.isBlank()) {
            String own = "127.0.0.1:" + cfg.zookeeper.embeddedPort;
            if (reconciler.leases.EmbeddedZooKeeper.isServing(own, java.time.Duration.ofMillis(500))) {
                // The daemon hosts the embedded server; joining one another process serves would make this
                // daemon (and its writers) silently depend on that process staying up.
                System.err.println("error: zookeeper.embeddedPort " + cfg.zookeeper.embeddedPort + " is already served by another process "
                        + "(another reconciler's embedded ZooKeeper?). Stop it, choose another zookeeper.embeddedPort, or share it "
                        + "deliberately with zookeeper.connect: " + own);
                return Main.USAGE;
            }
        }
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            org.slf4j.LoggerFactory.getLogger(RunCommand.class).info("stop requested (SIGTERM or exit): finishing running steps");
            stop.countDown();
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "reconciler-shutdown"));
        Daemon d = openWaitingForZooKeeper(cfg, stop);
        if (d == null) {
            stopped.countDown(); // stopped while waiting: nothing was started
            return Main.OK;
        }
        try {
            d.start();
            d.awaitStop(stop);
        } finally {
            d.close();
            stopped.countDown();
        }
        return Main.OK;
    }

    /**
     * The daemon waits for ZooKeeper instead of exiting: each attempt waits up to
     * {@code zookeeper.connectTimeout}; while none succeeds it logs that it is not ready and tries
     * again until stopped. @return the daemon, or null if stopped while waiting
     */
    static Daemon openWaitingForZooKeeper(Config cfg, CountDownLatch stop) throws Exception {
        org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RunCommand.class);
        for (int attempt = 1; ; attempt++) {
            try {
                Daemon d = new Daemon(cfg);
                if (attempt > 1) {
                    log.info("ready: ZooKeeper answered after {} attempt(s)", attempt);
                }
                return d;
            } catch (reconciler.leases.LeaseException e) {
                log.warn("not ready (attempt {}): {}; no graph is reconciled until ZooKeeper answers, retrying", attempt, e.getMessage());
                if (stop.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
                    return null;
                }
            }
        }
    }
}
