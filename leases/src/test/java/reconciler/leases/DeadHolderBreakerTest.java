package reconciler.leases;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real holders in child JVMs (30 s sessions) beside a breaker in this JVM: a SIGKILLed holder's
 * lease is broken within seconds, long before its session could expire; a stopped (SIGSTOP)
 * holder, a holder on "another host", a holder in another pid namespace and a live holder whose
 * data claims a recycled pid are never broken.
 */
class DeadHolderBreakerTest {
    private static final long SESSION_MS = 30_000;
    private static final Duration HEAL = Duration.ofSeconds(5);

    @TempDir
    Path tmp;
    private EmbeddedZooKeeper zk;
    private ZkSession daemon;
    private DeadHolderBreaker breaker;
    private Path run;
    private final List<DeadHolderBreaker.Broken> broken = new CopyOnWriteArrayList<>();
    private final List<Process> children = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(ProcFacts.system().bootId().isPresent(), "needs Linux /proc");
        zk = EmbeddedZooKeeper.start(tmp.resolve("zk"), 0, 500);
        daemon = ZkSession.connect(zk.connectString(), Duration.ofSeconds(4), Duration.ofSeconds(10), null);
        run = tmp.resolve("run");
        breaker = DeadHolderBreaker.start(daemon, run, broken::add).orElseThrow();
    }

    @AfterEach
    void stop() throws Exception {
        for (Process p : children) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        if (breaker != null) {
            breaker.close();
        }
        if (daemon != null) {
            daemon.close();
        }
        if (zk != null) {
            zk.close();
        }
    }

    private Process holder(List<String> prefix, String table) throws Exception {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), HolderMain.class.getName(), zk.connectString(), Long.toString(SESSION_MS),
                run.toString(), "g", table));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        children.add(p);
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = r.readLine()) != null) {
            if (line.startsWith("HELD")) {
                return p;
            }
            assertFalse(line.startsWith("NO-LIVENESS"), line);
        }
        throw new AssertionError("holder exited before holding its lease: exit " + p.waitFor());
    }

    private List<String> lockNodes(String table) throws Exception {
        String dir = LeasePaths.lockDir("g", table, "main");
        if (daemon.client().checkExists().forPath(dir) == null) {
            return List.of();
        }
        return daemon.client().getChildren().forPath(dir);
    }

    private static void signal(Process p, String sig) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).start().waitFor());
    }

    @Test
    void sigkilledHolderIsBrokenLongBeforeItsSessionExpires() throws Exception {
        Process p = holder(List.of(), "t");
        assertEquals(1, lockNodes("t").size());
        Await.until(() -> breaker.watching() == 1, HEAL, "the breaker to wait on the holder's local lock");
        long t0 = System.nanoTime();
        p.destroyForcibly(); // SIGKILL
        try {
            Await.until(() -> !broken.isEmpty(), HEAL, "the dead holder's lease to be broken");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; holder alive " + p.isAlive() + ", locks: "
                    + Files.readString(Path.of("/proc/locks")), e);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(lockNodes("t").isEmpty());
        DeadHolderBreaker.Broken b = broken.get(0);
        assertEquals("holder pid " + p.pid() + " dead on this host", b.reason().replace(" (exited, not yet reaped)", ""));
        assertEquals("t", b.lease().tableKey());
        assertEquals(p.pid(), b.holder().pid());
        assertTrue(ms < SESSION_MS / 2, "broken after " + ms + " ms");
        try (var files = Files.list(run)) {
            assertEquals(0, files.count(), "the dead holder's lock file is removed");
        }
        // the change signal was set, so a daemon's pass runs at once
        assertTrue(daemon.client().checkExists().forPath(LeasePaths.changesPath("g")) != null);
    }

    @Test
    void stoppedHolderIsAliveAndKept() throws Exception {
        Process p = holder(List.of(), "t");
        Await.until(() -> breaker.watching() == 1, HEAL, "the breaker to wait on the holder's local lock");
        signal(p, "STOP");
        try {
            // a stopped process keeps its local lock: nothing wakes the breaker; give it a chance to misbehave
            Thread.sleep(1500);
            assertEquals(1, lockNodes("t").size());
            assertTrue(broken.isEmpty());
            assertEquals(1, breaker.watching());
        } finally {
            signal(p, "CONT");
        }
        p.getOutputStream().close(); // release normally
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        Await.until(() -> breaker.watching() == 0, HEAL, "the watcher to end after the release");
        assertTrue(broken.isEmpty(), "a released lease is never 'broken'");
    }

    @Test
    void liveHolderWhoseDataClaimsAnotherStartTimeIsKeptWhileItsLockIsHeld() throws Exception {
        // a live process holds the lock file (fcntl, like a writer); the node names its pid with another start time,
        // as a node would after pid reuse
        Files.createDirectories(run);
        Process p = new ProcessBuilder("python3", "-c", "import fcntl,sys; f=open(sys.argv[1],'w'); fcntl.lockf(f, fcntl.LOCK_EX); "
                + "print('LOCKED', flush=True); sys.stdin.read()", run.resolve("held.lock").toString()).redirectErrorStream(true).start();
        children.add(p);
        Assumptions.assumeTrue("LOCKED".equals(new BufferedReader(new InputStreamReader(p.getInputStream())).readLine()),
                "needs python3 to hold an fcntl lock");
        String node = fakeNode("u", identity(p.pid(), 1, "held.lock"));
        Await.until(() -> breaker.watching() == 1, HEAL, "the breaker to wait on the lock");
        Thread.sleep(1000);
        assertTrue(broken.isEmpty(), "the lock is held by a live process: nothing is proven");
        assertTrue(daemon.client().checkExists().forPath(node) != null);
        // once the lock is released, the recorded process (that pid with start time 1) provably does not exist
        p.getOutputStream().close();
        Await.until(() -> !broken.isEmpty(), HEAL, "the node naming a process that does not exist to be broken");
        assertEquals(node, broken.get(0).lease().lockNode());
        assertTrue(daemon.client().checkExists().forPath(node) == null);
    }

    @Test
    void holderOnAnotherHostIsNeverWatchedNorBroken() throws Exception {
        HolderIdentity me = identity(ProcessHandle.current().pid(), 1, "none.lock");
        String node = fakeNode("t", new HolderIdentity("another-boot-id", me.pidNamespace(), 999_999, 1, me.sessionId(),
                "none.lock", "elsewhere"));
        String other = fakeNode("u", identity(999_999, 1, "none.lock")); // same host, no such file: released
        Thread.sleep(1000);
        assertEquals(0, breaker.watching());
        assertTrue(broken.isEmpty());
        assertTrue(daemon.client().checkExists().forPath(node) != null);
        assertTrue(daemon.client().checkExists().forPath(other) != null);
    }

    @Test
    void holderInAnotherPidNamespaceIsNeverBroken() throws Exception {
        int rc = new ProcessBuilder("unshare", "--pid", "--fork", "true").redirectErrorStream(true).start().waitFor();
        Assumptions.assumeTrue(rc == 0, "unshare --pid --fork is not available here (needs CAP_SYS_ADMIN)");
        Process p = holder(List.of("unshare", "--pid", "--fork"), "t");
        Thread.sleep(500);
        assertEquals(0, breaker.watching(), "a holder in another pid namespace is not ours to judge");
        for (ProcessHandle h : p.descendants().toList()) {
            h.destroyForcibly();
        }
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        Thread.sleep(1000);
        assertTrue(broken.isEmpty());
        assertEquals(1, lockNodes("t").size(), "left for the session timeout");
    }

    /** A lock node created by another session (a ZooKeeper client of this test) with crafted data. */
    private String fakeNode(String table, HolderIdentity id) throws Exception {
        ZkSession other = ZkSession.connect(zk.connectString(), Duration.ofSeconds(30), Duration.ofSeconds(10), null);
        toClose.add(other);
        byte[] data = id.withSession(other.sessionId()).encode();
        return other.client().create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
                .forPath(LeasePaths.lockDir("g", table, "main") + "/_c_fake-lock-", data);
    }

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeSessions() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    private static HolderIdentity identity(long pid, long start, String lockFile) {
        ProcFacts p = ProcFacts.system();
        return new HolderIdentity(p.bootId().orElseThrow(), p.ownPidNamespace().orElseThrow(), pid, start, 0, lockFile, "test");
    }
}
