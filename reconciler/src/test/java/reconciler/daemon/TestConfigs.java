package reconciler.daemon;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Daemon configurations for tests: everything under one temporary directory. */
public final class TestConfigs {

    private TestConfigs() {
    }

    /**
     * A daemon of {@code graphs} with its state and audit log under {@code dir}, ZooKeeper at
     * {@code zookeeper}, a one-hour safety poll (passes come from events, retries and the first
     * pass) and background index convergence off; adjust the rest on the returned draft.
     */
    public static ConfigBuilder quiet(Path dir, String zookeeper, Path... graphs) {
        ConfigBuilder b = Config.builder();
        b.graphs = List.of(graphs).stream().map(Path::toString).toList();
        b.stateDir = dir.resolve("state").toString();
        b.auditLog = dir.resolve("audit.jsonl").toString();
        b.pollInterval = Duration.ofHours(1);
        b.indexes = false;
        b.zookeeper.connect = zookeeper;
        return b;
    }
}
