package reconciler.daemon;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A mutable draft of a {@link Config}: the YAML file binds into it and code (tests, benchmarks,
 * embedded harnesses) fills it in, then {@link #build()} makes the immutable {@link Config} the
 * daemon reads. Field names, defaults and units are those of {@link Config}; the draft is never
 * shared between threads.
 */
public final class ConfigBuilder {

    /** Graph roots (directories or {@code s3://} URIs). */
    @JsonSetter(nulls = Nulls.AS_EMPTY)
    public List<String> graphs = new ArrayList<>();
    /** Directory for the embedded ZooKeeper's data and {@code http.port}. */
    public String stateDir = "var/state";
    /** Local liveness locks of lease holders on this host (docs/leases.md): "" = {@code <stateDir>/run}, {@code off} = none. */
    public String livenessDir = "";
    /** Local JSON-lines audit log. */
    public String auditLog = "var/audit.jsonl";
    /** Safety poll interval. */
    @JsonDeserialize(using = Config.DurationDeserializer.class)
    public Duration pollInterval = Duration.ofMinutes(5);
    /** Event-driven heal. */
    public boolean events = true;
    /** Background index convergence. */
    public boolean indexes = true;
    /** Where index builds and compaction rewrites run: {@code low} (a child process under nice 19 / ionice idle) or {@code normal}. */
    public String indexerPriority = "low";
    /** Recovery mode of every graph: {@code full} or {@code roll-forward-only}. */
    public String recoveryMode = Config.RECOVERY_FULL;
    /** Per-root overrides of {@link #recoveryMode}, keyed by the root as listed in {@code graphs}. */
    @JsonSetter(nulls = Nulls.AS_EMPTY)
    public Map<String, String> recoveryModePerGraph = new HashMap<>();
    /** How long a polled recovery waits for busy leases. */
    @JsonDeserialize(using = Config.DurationDeserializer.class)
    public Duration leaseWait = Duration.ofSeconds(30);
    /** Passes at once across graphs. */
    public int passThreads = 8;
    /** The {@code s3:} section. */
    @JsonSetter(nulls = Nulls.SKIP)
    public S3 s3 = new S3();
    /** Per-root overrides of {@link #s3}. */
    @JsonSetter(nulls = Nulls.AS_EMPTY)
    public Map<String, S3> s3PerGraph = new HashMap<>();
    /** The {@code zookeeper:} section. */
    @JsonSetter(nulls = Nulls.SKIP)
    public ZooKeeper zookeeper = new ZooKeeper();
    /** The {@code http:} section. */
    @JsonSetter(nulls = Nulls.SKIP)
    public Http http = new Http();
    /** Upper bound of a graceful stop. */
    @JsonDeserialize(using = Config.DurationDeserializer.class)
    public Duration shutdownTimeout = Duration.ofSeconds(45);

    /** Draft of {@link Config.S3}. */
    public static final class S3 {
        public String endpoint = "";
        public String region = "us-east-1";
        public boolean pathStyle = false;
        public String accessKeyIdEnv = "";
        public String secretAccessKeyEnv = "";
        public int maxAttempts = 6;
    }

    /** Draft of {@link Config.ZooKeeper}. */
    public static final class ZooKeeper {
        public String connect = "";
        public int embeddedPort = 2281;
        @JsonDeserialize(using = Config.DurationDeserializer.class)
        public Duration embeddedTickTime = Duration.ofMillis(100);
        @JsonDeserialize(using = Config.DurationDeserializer.class)
        public Duration sessionTimeout = Duration.ofSeconds(10);
        @JsonDeserialize(using = Config.DurationDeserializer.class)
        public Duration connectTimeout = Duration.ofSeconds(15);
        public String digestAuthEnv = "";
    }

    /** Draft of {@link Config.Http}. */
    public static final class Http {
        public boolean enabled = false;
        public String bind = "127.0.0.1";
        public int port = 8725;
        public String tokenEnv = "";
        public int threads = 4;
        @JsonDeserialize(using = Config.DurationDeserializer.class)
        public Duration maxWait = Duration.ofMinutes(10);
        /** A token given in code (tests, embedded harnesses); never read from YAML. */
        String tokenOverride;

        /** Sets the bearer token in code instead of through {@link #tokenEnv}. @return this */
        public Http withToken(String token) {
            this.tokenOverride = token;
            return this;
        }

        /** The immutable section. */
        public Config.Http build() {
            return new Config.Http(this);
        }
    }

    /** The immutable config of this draft, not loaded from a file ({@link Config#sourceFile()} is null). */
    public Config build() {
        return new Config(this, null);
    }
}
