package reconciler.leases;

import java.io.IOException;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Breaks the lease of a holder that died on this host, without waiting for its ZooKeeper session
 * to expire. Watches every lock node ({@link CuratorCache} on {@code /graphs}); for each whose data
 * names a holder on this boot of this host in this pid namespace with a local lock
 * ({@link LivenessProof#notLocal}), one thread waits on that local lock
 * ({@link LocalLivenessLock#awaitRelease}: a blocked {@code fcntl}, woken by the kernel). When it
 * gets the lock, {@link LivenessProof#decide} judges from {@code /proc}; on DEAD the node is
 * deleted only if it is still the same node (same creation zxid, owned by the recorded session)
 * with the same data, by a delete conditioned on the version just read. Then the graph's change
 * signal is set so a pass runs at once. Any doubt keeps the node: the session timeout stays the
 * fallback, fencing tokens the guard.
 */
public final class DeadHolderBreaker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DeadHolderBreaker.class);
    /** How long a holder still seen alive right after its local lock was released is looked at again. */
    private static final long ALIVE_RECHECK_NANOS = 2_000_000_000L;

    /**
     * A broken lease.
     *
     * @param lease        the lock node and its lease
     * @param holder       who held it
     * @param reason       the proof, e.g. {@code holder pid 4242 dead on this host}
     * @param waitedMillis how long the local lock was waited for, from when the node was seen (ms)
     */
    public record Broken(LeasePaths.LockNode lease, HolderIdentity holder, String reason, long waitedMillis) {
    }

    private final ZkSession session;
    private final CuratorFramework client;
    private final Path runtimeDir;
    private final LivenessProof.Host host;
    private final ProcFacts proc;
    private final Consumer<Broken> onBroken;
    private final CuratorCache cache;
    private final ExecutorService pool;
    private final Map<String, Future<?>> watchers = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private DeadHolderBreaker(ZkSession session, Path runtimeDir, ProcFacts proc, LivenessProof.Host host, Consumer<Broken> onBroken) {
        this.session = session;
        this.client = session.client();
        this.runtimeDir = runtimeDir;
        this.proc = proc;
        this.host = host;
        this.onBroken = onBroken;
        this.pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "liveness-watch");
            t.setDaemon(true);
            return t;
        });
        this.cache = CuratorCache.build(client, "/graphs");
        cache.listenable().addListener(CuratorCacheListener.builder()
                .forCreates(this::seen)
                .forChanges((old, n) -> seen(n))
                .forDeletes(this::gone)
                .build());
    }

    /**
     * Starts watching.
     *
     * @param session    the daemon's session
     * @param runtimeDir the directory where holders keep their local locks
     * @param onBroken   told of each broken lease (on a watcher thread; must not block long)
     * @return the running breaker, or empty (WARN logged) if this host's identity cannot be read
     *         (not Linux) — then nothing is ever broken
     */
    public static Optional<DeadHolderBreaker> start(ZkSession session, Path runtimeDir, Consumer<Broken> onBroken) {
        ProcFacts proc = ProcFacts.system();
        LivenessProof.Host host = new LivenessProof.Host(proc.bootId(), proc.ownPidNamespace(), proc.showsAllProcesses());
        if (host.bootId().isEmpty() || host.pidNamespace().isEmpty()) {
            LOG.warn("local liveness proof off: cannot read this host's boot id or pid namespace from /proc");
            return Optional.empty();
        }
        if (!proc.matchesOwnPidNamespace()) {
            LOG.warn("local liveness proof off: /proc belongs to another pid namespace than this process (/proc/self is not us)");
            return Optional.empty();
        }
        if (!host.showsAllProcesses()) {
            LOG.warn("/proc hides processes (hidepid) or its mount options are unreadable: a vanished pid proves nothing, "
                    + "only a reused pid or an exited process can break a lease");
        }
        DeadHolderBreaker b = new DeadHolderBreaker(session, runtimeDir, proc, host, onBroken);
        b.cache.start();
        LOG.info("local liveness proof on: waiting on holders' local locks under {} (boot id {}, pid namespace {})", runtimeDir,
                host.bootId().get(), host.pidNamespace().get());
        return Optional.of(b);
    }

    /** @return lock nodes whose holder's local lock is being waited on now */
    public int watching() {
        return watchers.size();
    }

    private void seen(ChildData n) {
        if (closed || n.getStat() == null) {
            return;
        }
        Optional<LeasePaths.LockNode> lease = LeasePaths.parseLockNode(n.getPath());
        if (lease.isEmpty() || n.getStat().getEphemeralOwner() == session.sessionId()) {
            return;
        }
        Optional<HolderIdentity> holder = HolderIdentity.decode(n.getData());
        if (holder.isEmpty() || LivenessProof.notLocal(holder.get(), host).isPresent()) {
            return;
        }
        watchers.computeIfAbsent(n.getPath(), p -> {
            try {
                return pool.submit(() -> watch(lease.get(), holder.get(), n.getData(), n.getStat().getCzxid()));
            } catch (RejectedExecutionException e) {
                return null;
            }
        });
    }

    private void gone(ChildData n) {
        Future<?> f = watchers.remove(n.getPath());
        if (f != null) {
            f.cancel(true); // interrupts the blocked lock call: the node went (released, expired, or broken)
        }
    }

    private void watch(LeasePaths.LockNode lease, HolderIdentity holder, byte[] data, long czxid) {
        long t0 = System.nanoTime();
        String path = lease.lockNode();
        try {
            Optional<FileLock> lock = LocalLivenessLock.awaitRelease(runtimeDir, holder.lockFile());
            if (lock.isEmpty()) {
                LOG.debug("{}: holder's lock file {} is gone (released)", path, holder.lockFile());
                return;
            }
            try {
                long released = System.nanoTime();
                LivenessProof.Decision d = LivenessProof.decide(holder, host, true, proc.state(holder.pid()));
                // The kernel releases a dying process's locks when it closes its files, before it becomes a zombie:
                // a holder seen ALIVE right after its lock was released is looked at again every 2 ms, for at most
                // ALIVE_RECHECK (Java 17 has no pidfd to wait on a process that is not our child).
                while (d.verdict() == LivenessProof.Verdict.ALIVE && System.nanoTime() - released < ALIVE_RECHECK_NANOS) {
                    Thread.sleep(2);
                    d = LivenessProof.decide(holder, host, true, proc.state(holder.pid()));
                }
                if (!d.dead()) {
                    // a holder releases its lock only after deleting its node: a node still there is worth a line
                    LOG.info("{}: holder's local lock released but lease kept: {}", path, d.reason());
                    return;
                }
                watchers.remove(path); // our own delete must not interrupt us (gone() cancels the watcher of a vanished node)
                boolean deleted = deleteIfUnchanged(path, data, czxid, holder);
                Files.deleteIfExists(runtimeDir.resolve(holder.lockFile())); // the dead holder cannot
                if (deleted) {
                    long waited = (System.nanoTime() - t0) / 1_000_000;
                    LOG.info("lease broken: {} (graph '{}' table '{}' branch '{}', lock node {}, session 0x{}; proof and delete "
                            + "{} ms after the local lock was released)", d.reason(), lease.graphId(), lease.tableKey(), lease.branch(),
                            path, Long.toHexString(holder.sessionId()), (System.nanoTime() - released) / 1_000_000);
                    GraphEvents.signalChange(session, lease.graphId());
                    onBroken.accept(new Broken(lease, holder, d.reason(), waited));
                }
            } finally {
                lock.get().channel().close();
            }
        } catch (InterruptedException | java.nio.channels.FileLockInterruptionException
                 | java.nio.channels.ClosedByInterruptException e) {
            LOG.debug("{}: stopped waiting (node gone or closing)", path);
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: cannot wait on holder pid {}'s local lock {} ({}); its lease waits for the session timeout", path,
                    holder.pid(), runtimeDir.resolve(holder.lockFile()), e.toString());
        } finally {
            watchers.remove(path);
        }
    }

    /**
     * Deletes the node only if it is the one seen (same creation zxid, owned by the recorded
     * session, same data), conditioned on the version just read.
     */
    private boolean deleteIfUnchanged(String path, byte[] data, long czxid, HolderIdentity holder) {
        try {
            Stat st = new Stat();
            byte[] now = client.getData().storingStatIn(st).forPath(path);
            if (st.getCzxid() != czxid || st.getEphemeralOwner() != holder.sessionId() || !Arrays.equals(now, data)) {
                LOG.info("{}: not broken: the node changed since it was seen (owner 0x{}, recorded session 0x{})", path,
                        Long.toHexString(st.getEphemeralOwner()), Long.toHexString(holder.sessionId()));
                return false;
            }
            client.delete().withVersion(st.getVersion()).forPath(path);
            return true;
        } catch (KeeperException.NoNodeException e) {
            LOG.debug("{}: already gone (released or session expired)", path);
            return false;
        } catch (KeeperException.BadVersionException e) {
            LOG.info("{}: not broken: the node changed during the delete", path);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            LOG.warn("{}: cannot delete the dead holder's lock node: {}", path, e.toString());
            return false;
        }
    }

    /** Stops watching; waiting threads are interrupted. Idempotent. */
    @Override
    public void close() {
        closed = true;
        cache.close();
        pool.shutdownNow();
        watchers.clear();
    }
}
