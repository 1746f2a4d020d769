package reconciler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reconciler.leases.LeaseManager;
import reconciler.leases.Membership;
import reconciler.storage.ColumnSpec;
import reconciler.graph.Graph;

/**
 * Several daemons share graphs: every graph has exactly one owner, graphs rebalance when a daemon
 * joins, and a daemon killed with SIGKILL loses its graphs to the survivor once its session expires.
 */
class HaDaemonsIT {

    private static final int GRAPHS = 16;

    @Test
    void graphsAreOwnedOnceAndRebalanceOnJoinAndDeath(@TempDir Path dir) throws Exception {
        try (Harness h = new Harness(dir, "20s")) {
            List<String> ids = new ArrayList<>();
            StringBuilder graphs = new StringBuilder("graphs:\n");
            for (int i = 0; i < GRAPHS; i++) {
                Path root = dir.resolve("g" + i);
                try (Graph g = Graph.local(root)) {
                    g.init("ha-" + i, Map.of("node:Item", List.of(new ColumnSpec("name", "utf8"))));
                }
                ids.add("ha-" + i);
                graphs.append("  - ").append(root).append('\n');
            }
            Path cfg = h.configWith("ha.yaml", Map.of("graphs:\n  - " + h.root + "\n", graphs.toString(), "pollInterval: 1h", "pollInterval: 2s"));
            Process a = h.startDaemon(cfg, dir.resolve("a.log"));
            Process b = null;
            try (LeaseManager zk = new LeaseManager(h.zk.connectString(), Duration.ofSeconds(5), Duration.ofSeconds(10))) {
                String aPrefix = ":" + a.pid() + ":";
                Harness.await(() -> {
                    Map<String, String> o = owners(zk, ids);
                    return o.size() == GRAPHS && o.values().stream().allMatch(x -> x.contains(aPrefix));
                }, Duration.ofSeconds(60), "daemon A to own every graph");

                b = h.startDaemon(cfg, dir.resolve("b.log"));
                String bPrefix = ":" + b.pid() + ":";
                Harness.await(() -> members(zk).size() == 2, Duration.ofSeconds(60), "daemon B to register");
                List<String> live = members(zk);
                String aId = live.stream().filter(x -> x.contains(aPrefix)).findFirst().orElseThrow();
                String bId = live.stream().filter(x -> x.contains(bPrefix)).findFirst().orElseThrow();
                // B claims graphs one by one; wait until the split is the rendezvous assignment over {A, B}
                // so that it no longer moves while we look at it. (With 16 graphs, a split that leaves
                // one daemon empty has a chance of about 2^-15.)
                Map<String, String> expected = new HashMap<>();
                for (String id : ids) {
                    expected.put(id, Membership.assign(id, List.of(aId, bId)).orElseThrow());
                }
                Harness.await(() -> owners(zk, ids).equals(expected), Duration.ofSeconds(60),
                        "ownership to settle on the rendezvous assignment " + expected);
                Map<String, String> split = owners(zk, ids);
                assertEquals(expected, split, "every graph owned by its assigned daemon");
                assertTrue(split.containsValue(bId), "B took graphs over when it joined: " + split);

                Harness.Run status = h.run(List.of("status", dir.resolve("g0").toString(), "--config", cfg.toString()), Map.of());
                assertTrue(status.text().contains("owned by daemon " + split.get("ha-0")), status.text());

                Harness.signal(b, "KILL");
                b.waitFor();
                Harness.await(() -> owners(zk, ids).values().stream().filter(o -> o.contains(aPrefix)).count() == GRAPHS,
                        Duration.ofSeconds(60), "daemon A to take over B's graphs after B's session expired");
            } finally {
                a.destroy();
                assertTrue(a.waitFor(60, TimeUnit.SECONDS));
                if (b != null && b.isAlive()) {
                    b.destroyForcibly();
                }
            }
            assertEquals(143, a.exitValue(), Files.readString(dir.resolve("a.log")));
        }
    }

    /** Live daemon member ids, read from their registration nodes. */
    private static List<String> members(LeaseManager zk) throws Exception {
        List<String> out = new ArrayList<>();
        for (String c : zk.client().getChildren().forPath("/daemons")) {
            out.add(new String(zk.client().getData().forPath("/daemons/" + c), java.nio.charset.StandardCharsets.UTF_8));
        }
        return out;
    }

    private static Map<String, String> owners(LeaseManager zk, List<String> ids) throws Exception {
        Map<String, String> out = new HashMap<>();
        for (String id : ids) {
            Optional<String> o = Membership.owner(zk, id);
            o.ifPresent(x -> out.put(id, x));
        }
        return out;
    }
}
