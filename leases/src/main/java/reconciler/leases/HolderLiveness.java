package reconciler.leases;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer side of the local liveness proof: this process's identity on this host and the
 * runtime directory where it keeps one {@link LocalLivenessLock} per held lease.
 */
final class HolderLiveness {
    private static final Logger LOG = LoggerFactory.getLogger(HolderLiveness.class);

    private final Path runtimeDir;
    private final HolderIdentity self; // session 0 and no lock file: filled per acquisition
    private volatile boolean warned;

    private HolderLiveness(Path runtimeDir, HolderIdentity self) {
        this.runtimeDir = runtimeDir;
        this.self = self;
    }

    /** @return the liveness of this process, or empty (WARN logged) if /proc does not tell who we are */
    static Optional<HolderLiveness> create(Path runtimeDir) {
        ProcFacts proc = ProcFacts.system();
        Optional<String> boot = proc.bootId();
        Optional<Long> ns = proc.ownPidNamespace();
        Optional<Long> start = proc.ownStartTime();
        if (boot.isEmpty() || ns.isEmpty() || start.isEmpty()) {
            LOG.warn("holder identity unavailable (boot id {}, pid namespace {}, start time {}): lock nodes record no holder; "
                    + "a dead holder's leases wait for the session timeout", boot, ns, start);
            return Optional.empty();
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName().replaceAll("\\s", "_");
        } catch (IOException e) {
            host = "unknown";
        }
        return Optional.of(new HolderLiveness(runtimeDir, new HolderIdentity(boot.get(), ns.get(),
                ProcessHandle.current().pid(), start.get(), 0, HolderIdentity.NO_LOCK, host.isEmpty() ? "unknown" : host)));
    }

    /** @return a new held local lock, or null (WARN once) if the runtime directory is unusable */
    LocalLivenessLock hold() {
        try {
            return LocalLivenessLock.hold(runtimeDir);
        } catch (IOException | RuntimeException e) {
            if (!warned) {
                warned = true;
                LOG.warn("cannot hold a local liveness lock under {} ({}): leases of this process wait for the session "
                        + "timeout if it dies", runtimeDir, e.toString());
            }
            return null;
        }
    }

    /** @return the lock node data naming this process, its session and its local lock (if any) */
    byte[] nodeData(long sessionId, LocalLivenessLock local) {
        HolderIdentity id = new HolderIdentity(self.bootId(), self.pidNamespace(), self.pid(), self.startTime(), sessionId,
                local == null ? HolderIdentity.NO_LOCK : local.fileName(), self.host());
        return id.encode();
    }
}
