package reconciler.daemon;

import java.io.IOException;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import reconciler.storage.CountingGraphStore;
import reconciler.storage.GraphStore;
import reconciler.storage.GraphStores;
import reconciler.storage.S3GraphStore;
import reconciler.storage.S3Settings;
import reconciler.graph.Graph;

/**
 * Opens graph roots named by URI: a local path or {@code file://…} (a directory), or
 * {@code s3://bucket/prefix} (an object-store prefix, settings from the config's {@code s3:}
 * section and {@code s3PerGraph:} overrides). The same daemon, CLI, writer and recovery code run on
 * both; only the {@link GraphStore} differs. Before a process first uses an S3 root it probes that
 * the store refuses a second create of the same key (some S3-compatible servers ignore
 * {@code If-None-Match}); a store that accepts it is refused, never used in a degraded mode.
 */
public final class Roots {
    private Roots() {
    }

    private static final Set<String> PROBED = ConcurrentHashMap.newKeySet();

    /** Whether a root names an object store rather than a directory. */
    public static boolean isS3(String root) {
        return root.startsWith("s3://");
    }

    /**
     * The S3 settings for a root.
     *
     * @throws IllegalStateException if a credentials environment variable named by the config is unset
     */
    public static S3Settings s3Settings(Config cfg, String root) {
        Config.S3 s = cfg.s3PerGraph.getOrDefault(root, cfg.s3);
        String ak = env(s.accessKeyIdEnv, "s3.accessKeyIdEnv");
        String sk = env(s.secretAccessKeyEnv, "s3.secretAccessKeyEnv");
        S3Settings base = s.endpoint == null || s.endpoint.isBlank()
                ? S3Settings.aws(s.region)
                : S3Settings.forEndpoint(URI.create(s.endpoint), s.region, ak, sk);
        if (ak != null && sk != null) {
            base = base.withCredentials(ak, sk);
        }
        return base.withMaxAttempts(s.maxAttempts);
    }

    private static String env(String name, String key) {
        if (name == null || name.isBlank()) {
            return null;
        }
        String v = System.getenv(name);
        if (v == null || v.isEmpty()) {
            throw new IllegalStateException("config key '" + key + "' names environment variable " + name + ", which is unset");
        }
        return v;
    }

    /**
     * Opens a graph root; S3 roots are probed for create-only semantics once per process.
     *
     * @throws IOException if the S3 store fails the probe or cannot be reached
     */
    public static Graph open(String root, Config cfg) throws IOException {
        GraphStore store = GraphStores.open(root, isS3(root) ? s3Settings(cfg, root) : null);
        if (isS3(root) && PROBED.add(root)) {
            try {
                S3GraphStore.probeCreateOnly(store);
            } catch (IOException | RuntimeException e) {
                PROBED.remove(root);
                throw e;
            }
        }
        return new Graph(new CountingGraphStore(store));
    }
}
