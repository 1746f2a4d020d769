package reconciler.daemon;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The daemon's configuration ({@code conf/reconciler.yaml} documents every key): immutable, so a
 * reader's snapshot never changes under it. A reload builds a new instance ({@link #withGraphs})
 * and the daemon swaps it atomically (see {@code Daemon.config()}). Load one with
 * {@link #load(Path)}; build one in code with {@link #builder()}. Errors name the file, the
 * offending key's own line and its dotted path; empty values ({@code key:} or {@code ~}) are
 * errors, not nulls. Durations accept ISO-8601 ({@code PT30S}) or {@code <n>ms|s|m|h}. Relative
 * paths resolve against the working directory.
 */
public final class Config {

    /** Graph roots (directories or {@code s3://bucket/prefix}) to keep healthy; unmodifiable. */
    public final List<String> graphs;
    /** Directory for the embedded ZooKeeper's data ({@code <stateDir>/zookeeper}) and {@code http.port}. */
    public final String stateDir;
    /** Local liveness locks of lease holders on this host (docs/leases.md): "" = {@code <stateDir>/run}, {@code off} = none. */
    public final String livenessDir;
    /** Local JSON-lines audit log. */
    public final String auditLog;
    /**
     * Safety poll interval: a pass over every owned graph at least this often. Between polls the
     * daemon is event-driven (ZooKeeper watches), so this only bounds how long a missed event can
     * delay a heal.
     */
    public final Duration pollInterval;
    /** Whether to watch ZooKeeper for writers' change signals and lease releases (event-driven heal). */
    public final boolean events;
    /** Whether the daemon converges declared index coverage by itself after converged passes (docs/indexes.md). */
    public final boolean indexes;
    /**
     * Writers first (docs/indexes.md): {@code low} (default) runs staged index builds and
     * compaction rewrites in a child process under {@code nice -n 19} and {@code ionice -c 3};
     * {@code normal} runs them on the daemon's threads. Commits and publishes always run in the daemon.
     */
    public final String indexerPriority;
    /** How long a recovery waits for a sidecar's leases before reporting it busy. */
    public final Duration leaseWait;
    /**
     * Recovery mode of every graph (docs/protocol.md "Recovery modes"): {@value #RECOVERY_FULL}, or
     * {@value #RECOVERY_ROLL_FORWARD_ONLY} (roll forward and finish; leave roll-back- and abort-eligible sidecars).
     */
    public final String recoveryMode;
    /** Per-root overrides of {@link #recoveryMode}, keyed by the root exactly as listed in {@link #graphs}; unmodifiable. */
    public final Map<String, String> recoveryModePerGraph;

    /** Recovery mode: every decision is carried out. */
    public static final String RECOVERY_FULL = "full";
    /** Recovery mode: only roll forward and finish; abort and roll back are left for an operator or a full-mode pass. */
    public static final String RECOVERY_ROLL_FORWARD_ONLY = "roll-forward-only";

    /** Whether the graph at {@code root} (as listed in {@link #graphs}) is recovered roll-forward-only. */
    public boolean rollForwardOnly(String root) {
        return RECOVERY_ROLL_FORWARD_ONLY.equals(recoveryModePerGraph.getOrDefault(root, recoveryMode));
    }
    /**
     * Passes run at once across graphs (the first pass at start-up, a recovery storm, the safety
     * poll); passes of one graph never run at once, so its sidecars keep their order.
     */
    public final int passThreads;
    /** Settings for {@code s3://bucket/prefix} graph roots (global). */
    public final S3 s3;
    /** Per-root overrides of {@link #s3}, keyed by the root URI exactly as listed in {@link #graphs}; unmodifiable. */
    public final Map<String, S3> s3PerGraph;
    /** ZooKeeper settings. */
    public final ZooKeeper zookeeper;
    /** The HTTP API ({@code http:}; docs/maintenance.md). Off unless {@code http.enabled: true}. */
    public final Http http;
    /**
     * Upper bound of a graceful stop (SIGTERM, {@code Daemon.close()}): running passes and
     * maintenance jobs get this long to finish their current step, then they are interrupted
     * (every step is idempotent and the sidecar is deleted last). systemd's
     * {@code TimeoutStopSec} must be larger.
     */
    public final Duration shutdownTimeout;
    /** The file this config was loaded from (for reloads), or null when built in code. Not a YAML key. */
    private final Path source;

    /** The built-in defaults (the same as an empty file), not loaded from a file. */
    public Config() {
        this(new ConfigBuilder(), null);
    }

    Config(ConfigBuilder b, Path source) {
        this.graphs = List.copyOf(b.graphs);
        this.stateDir = b.stateDir;
        this.livenessDir = b.livenessDir;
        this.auditLog = b.auditLog;
        this.pollInterval = b.pollInterval;
        this.events = b.events;
        this.indexes = b.indexes;
        this.indexerPriority = b.indexerPriority;
        this.leaseWait = b.leaseWait;
        this.recoveryMode = b.recoveryMode;
        this.recoveryModePerGraph = Map.copyOf(b.recoveryModePerGraph);
        this.passThreads = b.passThreads;
        this.s3 = new S3(b.s3);
        Map<String, S3> per = new HashMap<>();
        b.s3PerGraph.forEach((k, v) -> per.put(k, new S3(v)));
        this.s3PerGraph = Map.copyOf(per);
        this.zookeeper = new ZooKeeper(b.zookeeper);
        this.http = new Http(b.http);
        this.shutdownTimeout = b.shutdownTimeout;
        this.source = source;
    }

    /** The liveness lock directory {@link #livenessDir} names ({@code <stateDir>/run} when blank); empty when {@code off}. */
    public java.util.Optional<java.nio.file.Path> livenessDirectory() {
        String d = livenessDir == null ? "" : livenessDir.trim();
        if (d.equals("off")) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(d.isEmpty() ? java.nio.file.Path.of(stateDir).resolve("run") : java.nio.file.Path.of(d));
    }

    /** A draft with the built-in defaults. */
    public static ConfigBuilder builder() {
        return new ConfigBuilder();
    }

    /** A copy of {@code base} with other graphs and sections (the sections are immutable, so they are shared). */
    private Config(Config base, List<String> graphs, ZooKeeper zookeeper, Http http) {
        this.graphs = List.copyOf(graphs);
        this.stateDir = base.stateDir;
        this.livenessDir = base.livenessDir;
        this.auditLog = base.auditLog;
        this.pollInterval = base.pollInterval;
        this.events = base.events;
        this.indexes = base.indexes;
        this.indexerPriority = base.indexerPriority;
        this.leaseWait = base.leaseWait;
        this.recoveryMode = base.recoveryMode;
        this.recoveryModePerGraph = base.recoveryModePerGraph;
        this.passThreads = base.passThreads;
        this.s3 = base.s3;
        this.s3PerGraph = base.s3PerGraph;
        this.zookeeper = zookeeper;
        this.http = http;
        this.shutdownTimeout = base.shutdownTimeout;
        this.source = base.source;
    }

    /** This config with another graph list (a reload), from the same source file. */
    public Config withGraphs(List<String> roots) {
        return new Config(this, roots, zookeeper, http);
    }

    /** This config with the HTTP bearer token given in code (tests, embedded harnesses), from the same source file. */
    public Config withHttpToken(String token) {
        ConfigBuilder.Http b = new ConfigBuilder.Http();
        b.enabled = http.enabled;
        b.bind = http.bind;
        b.port = http.port;
        b.tokenEnv = http.tokenEnv;
        b.threads = http.threads;
        b.maxWait = http.maxWait;
        return new Config(this, graphs, zookeeper, new Http(b.withToken(token)));
    }

    /** This config with another {@code zookeeper.connectTimeout} (a CLI command that must not wait long). */
    public Config withConnectTimeout(Duration connectTimeout) {
        return new Config(this, graphs, new ZooKeeper(zookeeper, connectTimeout), http);
    }

    /** The file this config was loaded from, or null when it was built in code. */
    public Path sourceFile() {
        return source;
    }

    /**
     * Loads a config file.
     *
     * @throws ConfigException naming the file, line and key of the first error
     */
    public static Config load(Path file) throws ConfigException {
        return ConfigLoader.load(file);
    }

    /**
     * The {@code s3:} section. Credentials never appear in the file: they come from the
     * environment variables named here, or from the AWS SDK's default provider chain.
     */
    public static final class S3 {
        /** Endpoint URL for S3-compatible servers (e.g. {@code http://127.0.0.1:9000}); empty for AWS. */
        public final String endpoint;
        /** Region. */
        public final String region;
        /** Path-style addressing (needed by most S3-compatible servers; set automatically with an endpoint). */
        public final boolean pathStyle;
        /** Name of the environment variable holding the access key id; empty = the SDK's default chain. */
        public final String accessKeyIdEnv;
        /** Name of the environment variable holding the secret access key. */
        public final String secretAccessKeyEnv;
        /** Attempts per request for throttling, 5xx and connection errors (never for 412). */
        public final int maxAttempts;

        S3(ConfigBuilder.S3 b) {
            endpoint = b.endpoint;
            region = b.region;
            pathStyle = b.pathStyle;
            accessKeyIdEnv = b.accessKeyIdEnv;
            secretAccessKeyEnv = b.secretAccessKeyEnv;
            maxAttempts = b.maxAttempts;
        }

    }

    /** The {@code http:} section: the maintenance API and metrics (docs/maintenance.md). */
    public static final class Http {
        /** Whether the daemon serves the HTTP API. The shipped conf/reconciler.yaml turns it on. */
        public final boolean enabled;
        /** Address to bind; loopback by default. */
        public final String bind;
        /** TCP port; 0 picks a free one, which is logged and written to {@code <stateDir>/http.port}. */
        public final int port;
        /**
         * Name of an environment variable holding the bearer token that mutating endpoints
         * require (at least 16 characters). Empty: mutating endpoints are refused (403).
         */
        public final String tokenEnv;
        /** Request threads (a bounded pool). */
        public final int threads;
        /** Upper bound of a request's {@code wait} parameter (long polls). */
        public final Duration maxWait;
        /** A token given in code (tests, embedded harnesses); never read from YAML. */
        private final String tokenOverride;

        /** The built-in defaults. */
        public Http() {
            this(new ConfigBuilder.Http());
        }

        Http(ConfigBuilder.Http b) {
            enabled = b.enabled;
            bind = b.bind;
            port = b.port;
            tokenEnv = b.tokenEnv;
            threads = b.threads;
            maxWait = b.maxWait;
            tokenOverride = b.tokenOverride;
        }


        /** False when {@link #tokenEnv} names a variable that is unset or empty (and no token was given in code). */
        public boolean tokenAvailable() {
            if (tokenOverride != null || tokenEnv == null || tokenEnv.isBlank()) {
                return true;
            }
            String v = System.getenv(tokenEnv);
            return v != null && !v.isBlank();
        }

        /**
         * The bearer token for mutating endpoints, or null when none is configured.
         *
         * @throws IllegalStateException naming the key if {@code tokenEnv} names an unset variable or a token under 16 characters
         */
        public String token() {
            String t = tokenOverride;
            if (t == null) {
                if (tokenEnv == null || tokenEnv.isBlank()) {
                    return null;
                }
                t = System.getenv(tokenEnv);
                if (t == null || t.isBlank()) {
                    throw new IllegalStateException("config key 'http.tokenEnv' names environment variable " + tokenEnv
                            + " but it is unset or empty");
                }
            }
            t = t.strip();
            if (t.length() < 16) {
                throw new IllegalStateException("config key 'http.tokenEnv': the bearer token must be at least 16 characters");
            }
            return t;
        }
    }

    /** The {@code zookeeper:} section. */
    public static final class ZooKeeper {
        /** External ensemble connect string; empty means the embedded server on 127.0.0.1:embeddedPort. */
        public final String connect;
        /** Port of the embedded server. */
        public final int embeddedPort;
        /**
         * Tick of the embedded server. The server expires sessions at tick granularity, so a dead
         * writer's leases vanish between sessionTimeout and sessionTimeout + tick after its last
         * heartbeat; sessionTimeout must be at least 2 ticks.
         */
        public final Duration embeddedTickTime;
        /** Session timeout: a dead writer's leases vanish this long after it dies. */
        public final Duration sessionTimeout;
        /** How long to wait for the first connection. */
        public final Duration connectTimeout;
        /**
         * Name of an environment variable holding {@code user:password} for ZooKeeper digest
         * authentication (lease znodes then get CREATOR_ALL ACLs); empty for none. The secret itself
         * never appears in the config file, logs or status output.
         */
        public final String digestAuthEnv;

        ZooKeeper(ConfigBuilder.ZooKeeper b) {
            connect = b.connect;
            embeddedPort = b.embeddedPort;
            embeddedTickTime = b.embeddedTickTime;
            sessionTimeout = b.sessionTimeout;
            connectTimeout = b.connectTimeout;
            digestAuthEnv = b.digestAuthEnv;
        }

        private ZooKeeper(ZooKeeper base, Duration connectTimeout) {
            connect = base.connect;
            embeddedPort = base.embeddedPort;
            embeddedTickTime = base.embeddedTickTime;
            sessionTimeout = base.sessionTimeout;
            this.connectTimeout = connectTimeout;
            digestAuthEnv = base.digestAuthEnv;
        }


        /** The digest credentials from {@link #digestAuthEnv}, or null. @throws IllegalStateException if the variable is unset */
        public String digestAuth() {
            if (digestAuthEnv == null || digestAuthEnv.isBlank()) {
                return null;
            }
            String v = System.getenv(digestAuthEnv);
            if (v == null || !v.contains(":")) {
                throw new IllegalStateException("zookeeper.digestAuthEnv names " + digestAuthEnv
                        + " but that environment variable is unset or not of the form user:password");
            }
            return v;
        }
    }

    /** A configuration error naming the file, line and key. */
    public static final class ConfigException extends Exception {
        public ConfigException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Parses {@code PT30S}, {@code 30s}, {@code 500ms}, {@code 5m}, {@code 1h} or bare seconds.
     *
     * @throws IllegalArgumentException if it is not a non-negative duration
     * @see reconciler.maintenance.Durations#parse(String)
     */
    public static Duration parseDuration(String s) {
        return reconciler.maintenance.Durations.parse(s);
    }

    /** Jackson deserializer for humane durations. */
    public static final class DurationDeserializer extends JsonDeserializer<Duration> {
        @Override
        public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            String text = p.getValueAsString();
            try {
                return parseDuration(text == null ? "" : text);
            } catch (RuntimeException e) {
                throw JsonMappingException.from(p, "not a duration: '" + text + "' (use e.g. 30s, 500ms, 5m, 1h or PT30S)");
            }
        }
    }
}
