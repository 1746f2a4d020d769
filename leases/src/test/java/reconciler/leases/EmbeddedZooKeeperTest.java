package reconciler.leases;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedZooKeeperTest {

    @TempDir
    Path tmp;

    @Test
    void startsServesAndStops() throws Exception {
        EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(tmp.resolve("zk"), 0, 500);
        try {
            assertTrue(zk.port() > 0);
            assertEquals("127.0.0.1:" + zk.port(), zk.connectString());
            assertTrue(EmbeddedZooKeeper.isServing(zk.connectString(), Duration.ofSeconds(1)));
            // a real ZooKeeper round trip
            try (LeaseManager m = new LeaseManager(zk.connectString(), Duration.ofSeconds(2), Duration.ofSeconds(10))) {
                m.client().create().creatingParentsIfNeeded().forPath("/probe", "x".getBytes(StandardCharsets.UTF_8));
                assertEquals("x", new String(m.client().getData().forPath("/probe"), StandardCharsets.UTF_8));
                assertNotNull(m.client().getZookeeperClient().getZooKeeper().exists("/reconciler/probe", false));
            }
        } finally {
            zk.close();
        }
        Await.until(() -> !EmbeddedZooKeeper.isServing(zk.connectString(), Duration.ofMillis(200)),
                Duration.ofSeconds(10), "port closed after close()");
        zk.close(); // idempotent
    }

    @Test
    void restartOnSameDataDirKeepsData() throws Exception {
        Path dir = tmp.resolve("zk");
        int port;
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir, 0, 500);
             LeaseManager m = new LeaseManager(zk.connectString(), Duration.ofSeconds(2), Duration.ofSeconds(10))) {
            port = zk.port();
            m.client().create().forPath("/kept", "1".getBytes(StandardCharsets.UTF_8));
        }
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir, port, 500);
             LeaseManager m = new LeaseManager(zk.connectString(), Duration.ofSeconds(2), Duration.ofSeconds(10))) {
            assertEquals(port, zk.port());
            assertEquals("1", new String(m.client().getData().forPath("/kept"), StandardCharsets.UTF_8));
        }
    }

    /** Starting a server on {@code port}, which something else holds, fails within 5 s naming the port. */
    static void assertStartFailsFastOnBusyPort(Path dataDir, int port) {
        long t0 = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> EmbeddedZooKeeper.start(dataDir, port, 500));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 5_000, "took " + ms + " ms");
        assertTrue(e.getMessage().contains(Integer.toString(port)), e.getMessage());
    }

    @Test
    void startOnPortUsedByAnotherZooKeeperFailsFast() throws Exception {
        try (EmbeddedZooKeeper first = EmbeddedZooKeeper.start(tmp.resolve("a"), 0, 500)) {
            assertStartFailsFastOnBusyPort(tmp.resolve("b"), first.port());
            // the first server is unaffected
            assertTrue(EmbeddedZooKeeper.isServing(first.connectString(), Duration.ofSeconds(1)));
        }
    }

    @Test
    void startOnPortUsedByPlainSocketFailsFast() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            assertStartFailsFastOnBusyPort(tmp.resolve("c"), busy.getLocalPort());
        }
    }

    @Test
    void isServingChecksTcpReachability() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
            assertTrue(EmbeddedZooKeeper.isServing("127.0.0.1:" + port, Duration.ofSeconds(1)));
        }
        assertFalse(EmbeddedZooKeeper.isServing("127.0.0.1:" + port, Duration.ofMillis(300)));
        assertThrows(IllegalArgumentException.class, () -> EmbeddedZooKeeper.isServing("nohostport", Duration.ofMillis(10)));
        assertThrows(IllegalArgumentException.class, () -> EmbeddedZooKeeper.isServing("h:notaport", Duration.ofMillis(10)));
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> EmbeddedZooKeeper.start(tmp, -1, 500));
        assertThrows(IllegalArgumentException.class, () -> EmbeddedZooKeeper.start(tmp, 0, 0));
    }
}
