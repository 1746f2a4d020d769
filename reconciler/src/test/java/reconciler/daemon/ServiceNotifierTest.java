package reconciler.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXDatagramSocket;
import reconciler.graph.Graph;
import reconciler.leases.EmbeddedZooKeeper;
import reconciler.writer.DebianImport;

/**
 * The sd_notify protocol against a real {@code AF_UNIX} datagram socket standing in for systemd's
 * notification socket (there is no systemd as PID 1 here): what a {@code Type=notify} unit with
 * {@code WatchdogSec} receives from a real daemon over a real graph and ZooKeeper.
 */
class ServiceNotifierTest {

    @Test
    void withoutNotifySocketNothingIsSentAndTheWatchdogIsOff() {
        ServiceNotifier n = ServiceNotifier.of(Map.of("WATCHDOG_USEC", "1000000"), 42);
        assertFalse(n.enabled());
        assertFalse(n.send("READY=1"));
        assertTrue(n.watchdogInterval().isEmpty());
    }

    @Test
    void watchdogIsHalfOfWatchdogUsecAndOnlyForTheNamedPid() {
        Map<String, String> env = Map.of("NOTIFY_SOCKET", "/run/x", "WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "42");
        assertEquals(Duration.ofSeconds(15), ServiceNotifier.of(env, 42).watchdogInterval().orElseThrow());
        assertTrue(ServiceNotifier.of(env, 43).watchdogInterval().isEmpty(), "the watchdog is another process's");
        assertTrue(ServiceNotifier.of(Map.of("NOTIFY_SOCKET", "/run/x", "WATCHDOG_USEC", "soon"), 42).watchdogInterval().isEmpty());
    }

    @Test
    void sendsOneDatagramToAPathAndToTheAbstractNamespace(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("notify");
        try (AFUNIXDatagramSocket systemd = bind(path.toString());
             ServiceNotifier n = ServiceNotifier.of(Map.of("NOTIFY_SOCKET", path.toString()), 1)) {
            assertTrue(n.send("READY=1", "STATUS=up"));
            assertEquals("READY=1\nSTATUS=up", receive(systemd, Duration.ofSeconds(5)));
        }
        String abs = "@reconciler-test-" + UUID.randomUUID();
        try (AFUNIXDatagramSocket systemd = bind(abs);
             ServiceNotifier n = ServiceNotifier.of(Map.of("NOTIFY_SOCKET", abs), 1)) {
            assertTrue(n.send("WATCHDOG=1"));
            assertEquals("WATCHDOG=1", receive(systemd, Duration.ofSeconds(5)));
        }
    }

    @Test
    void aMissingSocketFailsTheSendWithoutThrowing(@TempDir Path dir) {
        try (ServiceNotifier n = ServiceNotifier.of(Map.of("NOTIFY_SOCKET", dir.resolve("absent").toString()), 1)) {
            assertFalse(n.send("READY=1"));
            assertFalse(n.send("READY=1"));
        }
    }

    @Test
    void daemonIsReadyAfterItsFirstPassFeedsTheWatchdogAndSaysStopping(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("notify");
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir.resolve("zk"), 0, 500);
             Graph g = Graph.local(dir.resolve("g"));
             AFUNIXDatagramSocket systemd = bind(socket.toString())) {
            String graphId = g.init("g", DebianImport.schema()).graphId();
            ConfigBuilder b = TestConfigs.quiet(dir, zk.connectString(), dir.resolve("g"));
            ServiceNotifier n = ServiceNotifier.of(Map.of("NOTIFY_SOCKET", socket.toString(), "WATCHDOG_USEC", "400000",
                    "WATCHDOG_PID", Long.toString(ProcessHandle.current().pid())), ProcessHandle.current().pid());
            List<String> seen = new ArrayList<>();
            try (Daemon d = new Daemon(b.build())) {
                d.start(n);
                String m;
                do {
                    m = receive(systemd, Duration.ofSeconds(30));
                    seen.add(m);
                } while (!m.startsWith("READY=1"));
                assertTrue(d.lastPass(graphId).isPresent(), "READY=1 came after the graph's first pass: " + seen);
                assertTrue(m.contains("STATUS=ready: 1 graph(s) checked"), m);
                int beats = 0;
                while (beats < 3) { // WatchdogSec=0.4s: a beat every 200 ms
                    if (receive(systemd, Duration.ofSeconds(5)).equals("WATCHDOG=1")) {
                        beats++;
                    }
                }
            }
            String last;
            do {
                last = receive(systemd, Duration.ofSeconds(5));
            } while (last.equals("WATCHDOG=1"));
            assertTrue(last.startsWith("STOPPING=1"), last);
        }
    }

    private static AFUNIXDatagramSocket bind(String socket) throws IOException {
        AFUNIXDatagramSocket s = AFUNIXDatagramSocket.newInstance();
        s.bind(ServiceNotifier.address(socket));
        return s;
    }

    private static String receive(AFUNIXDatagramSocket s, Duration timeout) throws IOException {
        s.setSoTimeout((int) timeout.toMillis());
        java.net.DatagramPacket p = new java.net.DatagramPacket(new byte[4096], 4096);
        try {
            s.receive(p);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no notification within " + timeout, e);
        }
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
    }
}
