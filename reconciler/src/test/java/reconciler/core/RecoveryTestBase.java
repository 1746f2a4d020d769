package reconciler.core;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reconciler.graph.Failpoints;
import reconciler.leases.LeaseManager;
import reconciler.leases.ZooKeeperLeases;
import reconciler.writer.DebianImport;

/**
 * Recovery on Debian-import graphs in one temporary directory per test class, with a real ZooKeeper
 * server (tick 500 ms) and its lease manager ({@link #leases}), and recoverers auditing to
 * {@code audit.jsonl} in that directory. Test classes run one at a time, so the static state is the
 * running class's.
 */
abstract class RecoveryTestBase {

    static final String PKG = DebianImport.PACKAGE;

    @TempDir
    static Path dir;
    @RegisterExtension
    static final ZooKeeperLeases ZK = new ZooKeeperLeases(500);
    static LeaseManager leases;

    @BeforeAll
    static void openLeases() throws Exception {
        leases = ZK.leases();
    }

    /** A recoverer on the class's leases that waits {@code leaseWait} for them, auditing to {@code audit.jsonl}, no failpoints. */
    static Recoverer recoverer(Duration leaseWait) {
        return new Recoverer(leases, new AuditLog(dir.resolve("audit.jsonl")), leaseWait, Failpoints.none());
    }
}
