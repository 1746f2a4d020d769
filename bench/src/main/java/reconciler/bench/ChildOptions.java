package reconciler.bench;

import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;
import reconciler.daemon.Config;

/**
 * The options of the benchmarks whose daemons and writers run in child JVMs, as one picocli mixin:
 * where the graph lives ({@code --backend}) and how soon a child's ZooKeeper session expires once it
 * is gone ({@code --session}).
 */
final class ChildOptions {

    @Option(names = "--backend", defaultValue = "local", description = "local or s3 (s3proxy on 127.0.0.1 in this JVM) (default ${DEFAULT-VALUE})")
    String backend;

    @Option(names = "--session", defaultValue = "2s", description = "ZooKeeper session timeout of the children (default ${DEFAULT-VALUE})")
    String session;

    /** Starts the backend, its files (s3proxy's blob store) under {@code dir}. @throws IllegalArgumentException for another --backend */
    BenchBackend start(Path dir) throws Exception {
        return BenchBackend.start(backend, dir);
    }

    /** The session timeout. @throws IllegalArgumentException for a malformed duration */
    Duration sessionTimeout() {
        return Config.parseDuration(session);
    }
}
