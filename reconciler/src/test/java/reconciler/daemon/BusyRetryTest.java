package reconciler.daemon;

import static reconciler.daemon.Conditions.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reconciler.graph.Graph;
import reconciler.leases.EmbeddedZooKeeper;
import reconciler.leases.LeaseManager;
import reconciler.leases.LeaseSet;
import reconciler.manifest.Manifest;
import reconciler.sidecar.Sidecar;
import reconciler.writer.DebianImport;
import reconciler.writer.GraphWriter;

/**
 * A pass that finds a sidecar's leases held (BUSY) is re-queued with backoff by the daemon
 * itself: with events off and a one-hour poll, nothing else would run another pass, yet the
 * sidecar is healed soon after the holder releases. Real ZooKeeper, real Lance tables, a real
 * second lease holder.
 */
class BusyRetryTest {

    @Test
    void busyPassIsRetriedWithoutAnEventOnceTheHolderReleases(@TempDir Path dir) throws Exception {
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir.resolve("zk"), 0, 500);
             LeaseManager holder = new LeaseManager(zk.connectString(), Duration.ofSeconds(4), Duration.ofSeconds(10));
             Graph g = Graph.local(dir.resolve("g"))) {
            Manifest m = g.init("g", DebianImport.schema());
            List<String> tables = List.of(DebianImport.DEPENDS_ON, DebianImport.PACKAGE);
            LeaseSet held = holder.acquire(m.graphId(), Graph.MAIN_BRANCH, tables, Duration.ofSeconds(10));
            List<Sidecar.SidecarTable> st = new ArrayList<>();
            for (String t : tables) {
                st.add(new Sidecar.SidecarTable(t, m.pin(t).version(), held.fencingToken(t)));
            }
            // a writer that wrote its sidecar and has not committed yet: the daemon would abort it, but the leases are held
            g.sidecars().write(new Sidecar(Sidecar.FORMAT_VERSION, GraphWriter.newOperationId(), "import", m.graphId(), Graph.MAIN_BRANCH,
                    m.version(), GraphWriter.identity(), Instant.now(), st));

            ConfigBuilder b = TestConfigs.quiet(dir, zk.connectString(), dir.resolve("g"));
            b.events = false;
            b.leaseWait = Duration.ofMillis(100);
            b.zookeeper.sessionTimeout = Duration.ofSeconds(2);
            try (Daemon d = new Daemon(b.build())) {
                d.start();
                await(() -> d.count("reconciler.passes.requeued") >= 3, Duration.ofSeconds(30), "three BUSY passes re-queued");
                assertTrue(d.count("reconciler.sidecars.busy") >= 3, "busy: " + d.count("reconciler.sidecars.busy"));
                assertEquals(1, g.sidecars().list().size(), "still pending while the leases are held");

                held.close(); // no event reaches the daemon (events: false); only its own retry can heal
                await(() -> d.count("reconciler.sidecars.resolved") == 1, Duration.ofSeconds(30), "the sidecar healed by a retry");
                assertEquals(0, sidecarsPending(g));
                assertEquals(1, d.count("reconciler.passes.poll"), "only the first poll ran");
                assertTrue(d.count("reconciler.passes.watch") >= 3, "retries: " + d.count("reconciler.passes.watch"));
                assertEquals(1, d.count("reconciler.decisions.abort"), "the sidecar's tables never moved: aborted");
            }
        }
    }

    private static int sidecarsPending(Graph g) {
        try {
            return g.sidecars().list().size();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
