package reconciler.daemon;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The daemon's YAML configuration ({@code conf/reconciler.yaml} documents every key). Errors
 * name the file, the offending key's own line (found by a token scan) and its dotted path; empty
 * values ({@code key:} or {@code ~}) are errors, not nulls. Durations accept ISO-8601
 * ({@code PT30S}) or {@code <n>ms|s|m|h}. Relative paths resolve against the working directory.
 */
public final class Config {

    /** Graph roots (directories) to keep healthy. */
    @JsonSetter(nulls = Nulls.AS_EMPTY)
    public List<String> graphs = new ArrayList<>();
    /** Directory for the embedded ZooKeeper's data. */
    public String stateDir = "var/state";
    /** Local liveness locks of lease holders on this host (docs/leases.md): "" = {@code <stateDir>/run}, {@code off} = none. */
    public String livenessDir = "";
    /** Local JSON-lines audit log. */
    public String auditLog = "var/audit.jsonl";
    /**
     * Safety poll interval: a pass over every owned graph at least this often. Between polls the
     * daemon is event-driven (ZooKeeper watches), so this only bounds how long a missed event can
     * delay a heal.
     */
    @JsonDeserialize(using = DurationDeserializer.class)
    public Duration pollInterval = Duration.ofMinutes(5);
    /** Whether to watch ZooKeeper for writers' change signals and lease releases (event-driven heal). */
    public boolean events = true;
    /** Whether the daemon converges declared index coverage by itself after converged passes (docs/indexes.md). */
    public boolean indexes = true;
    /** How long a recovery waits for a sidecar's leases before reporting it busy. */
    @JsonDeserialize(using = DurationDeserializer.class)
    public Duration leaseWait = Duration.ofSeconds(30);
    /** Settings for {@code s3://bucket/prefix} graph roots (global). */
    @JsonSetter(nulls = Nulls.SKIP)
    public S3 s3 = new S3();
    /** Per-root overrides of {@link #s3}, keyed by the root URI exactly as listed in {@link #graphs}. */
    @JsonSetter(nulls = Nulls.AS_EMPTY)
    public Map<String, S3> s3PerGraph = new HashMap<>();

    /**
     * The {@code s3:} section. Credentials never appear in the file: they come from the
     * environment variables named here, or from the AWS SDK's default provider chain.
     */
    public static final class S3 {
        /** Endpoint URL for S3-compatible servers (e.g. {@code http://127.0.0.1:9000}); empty for AWS. */
        public String endpoint = "";
        /** Region. */
        public String region = "us-east-1";
        /** Path-style addressing (needed by most S3-compatible servers; set automatically with an endpoint). */
        public boolean pathStyle = false;
        /** Name of the environment variable holding the access key id; empty = the SDK's default chain. */
        public String accessKeyIdEnv = "";
        /** Name of the environment variable holding the secret access key. */
        public String secretAccessKeyEnv = "";
        /** Attempts per request for throttling, 5xx and connection errors (never for 412). */
        public int maxAttempts = 6;
    }

    /** ZooKeeper settings. */
    @JsonSetter(nulls = Nulls.SKIP)
    public ZooKeeper zookeeper = new ZooKeeper();

    /** The HTTP API ({@code http:}; docs/maintenance.md). Off unless {@code http.enabled: true}. */
    @JsonSetter(nulls = Nulls.SKIP)
    public Http http = new Http();
    /**
     * Upper bound of a graceful stop (SIGTERM, {@code Daemon.close()}): running passes and
     * maintenance jobs get this long to finish their current step, then they are interrupted
     * (every step is idempotent and the sidecar is deleted last). systemd's
     * {@code TimeoutStopSec} must be larger.
     */
    @JsonDeserialize(using = DurationDeserializer.class)
    public Duration shutdownTimeout = Duration.ofSeconds(45);
    /** The file this config was loaded from (for reloads), or null when built in code. Not a YAML key. */
    private Path source;

    /** The file this config was loaded from, or null when it was built in code. */
    public Path sourceFile() {
        return source;
    }

    /** The {@code http:} section: the maintenance API and metrics (docs/maintenance.md). */
    public static final class Http {
        /** Whether the daemon serves the HTTP API. The shipped conf/reconciler.yaml turns it on. */
        public boolean enabled = false;
        /** Address to bind; loopback by default. */
        public String bind = "127.0.0.1";
        /** TCP port; 0 picks a free one, which is logged and written to {@code <stateDir>/http.port}. */
        public int port = 8725;
        /**
         * Name of an environment variable holding the bearer token that mutating endpoints
         * require (at least 16 characters). Empty: mutating endpoints are refused (403).
         */
        public String tokenEnv = "";
        /** Request threads (a bounded pool). */
        public int threads = 4;
        /** Upper bound of a request's {@code wait} parameter (long polls). */
        @JsonDeserialize(using = DurationDeserializer.class)
        public Duration maxWait = Duration.ofMinutes(10);
        /** A token given in code (tests, embedded harnesses); never read from YAML. */
        private String tokenOverride;

        /** Sets the bearer token in code instead of through {@link #tokenEnv}. @return this */
        public Http withToken(String token) {
            this.tokenOverride = token;
            return this;
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
        public String connect = "";
        /** Port of the embedded server. */
        public int embeddedPort = 2281;
        /**
         * Tick of the embedded server. The server expires sessions at tick granularity, so a dead
         * writer's leases vanish between sessionTimeout and sessionTimeout + tick after its last
         * heartbeat; sessionTimeout must be at least 2 ticks.
         */
        @JsonDeserialize(using = DurationDeserializer.class)
        public Duration embeddedTickTime = Duration.ofMillis(100);
        /** Session timeout: a dead writer's leases vanish this long after it dies. */
        @JsonDeserialize(using = DurationDeserializer.class)
        public Duration sessionTimeout = Duration.ofSeconds(10);
        /** How long to wait for the first connection. */
        @JsonDeserialize(using = DurationDeserializer.class)
        public Duration connectTimeout = Duration.ofSeconds(15);
        /**
         * Name of an environment variable holding {@code user:password} for ZooKeeper digest
         * authentication (lease znodes then get CREATOR_ALL ACLs); empty for none. The secret itself
         * never appears in the config file, logs or status output.
         */
        public String digestAuthEnv = "";

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

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .defaultSetterInfo(JsonSetter.Value.forValueNulls(Nulls.FAIL))
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    /**
     * Loads a config file.
     *
     * @throws ConfigException naming the file, line and key of the first error
     */
    public static Config load(Path file) throws ConfigException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ConfigException("config " + file + ": cannot read: " + e.getMessage(), e);
        }
        Config c;
        Map<String, Integer> keyLines = Map.of();
        try {
            keyLines = keyLines(bytes);
            try (JsonParser p = YAML.createParser(bytes)) {
                c = p.nextToken() == null ? new Config() : YAML.readValue(p, Config.class);
            }
        } catch (JsonMappingException e) {
            String pointer = pointer(e);
            Integer line = keyLines.get(pointer);
            if (line == null && e.getLocation() != null) {
                line = e.getLocation().getLineNr();
            }
            String what = e instanceof UnrecognizedPropertyException u ? "unknown key '" + u.getPropertyName() + "'" : e.getOriginalMessage();
            throw new ConfigException("config " + file + " line " + (line == null ? "?" : line)
                    + ", key '" + keyPath(e) + "': " + firstLine(what), e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ConfigException("config " + file + " line " + (e.getLocation() == null ? "?" : e.getLocation().getLineNr())
                    + ": not valid YAML: " + firstLine(e.getOriginalMessage()), e);
        } catch (IOException e) {
            throw new ConfigException("config " + file + ": cannot read: " + e.getMessage(), e);
        }
        if (c == null) {
            c = new Config();
        }
        c.validate(file, keyLines);
        c.validateMaintenance(file, keyLines);
        c.source = file;
        return c;
    }

    /** Line of every mapping key, by JSON pointer ({@code /zookeeper/sessionTimeout}). */
    private static Map<String, Integer> keyLines(byte[] bytes) throws IOException {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser p = YAML.createParser(bytes)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.FIELD_NAME) {
                    lines.putIfAbsent(p.getParsingContext().pathAsPointer().toString(), p.currentTokenLocation().getLineNr());
                }
            }
        }
        return lines;
    }

    private static String pointer(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            sb.append('/').append(r.getFieldName() != null ? r.getFieldName() : Integer.toString(r.getIndex()));
        }
        return sb.toString();
    }

    private void validate(Path file, Map<String, Integer> keyLines) throws ConfigException {
        if (graphs == null) {
            graphs = new ArrayList<>();
        }
        for (int i = 0; i < graphs.size(); i++) {
            if (graphs.get(i) == null || graphs.get(i).isBlank()) {
                throw new ConfigException("config " + file + ", key 'graphs[" + i + "]': must be a directory path", null);
            }
        }
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw keyError(file, keyLines, "pollInterval", "must be positive");
        }
        if (leaseWait.isNegative()) {
            throw keyError(file, keyLines, "leaseWait", "must not be negative");
        }
        if (zookeeper == null) {
            zookeeper = new ZooKeeper();
        }
        if (zookeeper.sessionTimeout.isNegative() || zookeeper.sessionTimeout.isZero()) {
            throw keyError(file, keyLines, "zookeeper.sessionTimeout", "must be positive");
        }
        if (zookeeper.connectTimeout.isNegative() || zookeeper.connectTimeout.isZero()) {
            throw keyError(file, keyLines, "zookeeper.connectTimeout", "must be positive");
        }
        if (s3 == null) {
            s3 = new S3();
        }
        for (Map.Entry<String, S3> e : s3PerGraph.entrySet()) {
            if (!graphs.contains(e.getKey())) {
                throw new ConfigException("config " + file + ", key 's3PerGraph." + e.getKey() + "': not one of the roots listed in 'graphs'", null);
            }
        }
        if (zookeeper.embeddedPort < 1 || zookeeper.embeddedPort > 65535) {
            throw keyError(file, keyLines, "zookeeper.embeddedPort", "must be 1..65535");
        }
        if (zookeeper.embeddedTickTime.toMillis() < 1 || zookeeper.embeddedTickTime.toMillis() > 10_000) {
            throw keyError(file, keyLines, "zookeeper.embeddedTickTime", "must be 1ms..10s");
        }
        if (zookeeper.connect.isBlank()) { // the embedded server's session bounds
            long session = zookeeper.sessionTimeout.toMillis();
            if (session > reconciler.leases.EmbeddedZooKeeper.MAX_SESSION_TIMEOUT_MS) {
                // the server would silently negotiate it down: refuse instead of running with another value than configured
                throw keyError(file, keyLines, "zookeeper.sessionTimeout", "must be at most "
                        + reconciler.leases.EmbeddedZooKeeper.MAX_SESSION_TIMEOUT_MS / 1000 + "s with the embedded server");
            }
            if (session < 2 * zookeeper.embeddedTickTime.toMillis()) {
                throw keyError(file, keyLines, "zookeeper.sessionTimeout", "must be at least 2 x zookeeper.embeddedTickTime ("
                        + 2 * zookeeper.embeddedTickTime.toMillis() + "ms) with the embedded server");
            }
        }
    }

    /** Checks the keys added for the maintenance API (issue #5); errors name the file, line and key. */
    private void validateMaintenance(Path file, Map<String, Integer> keyLines) throws ConfigException {
        if (http == null) {
            http = new Http();
        }
        if (shutdownTimeout.isNegative() || shutdownTimeout.isZero()) {
            throw keyError(file, keyLines, "shutdownTimeout", "must be positive");
        }
        if (http.bind == null || http.bind.isBlank()) {
            throw keyError(file, keyLines, "http.bind", "must be an address such as 127.0.0.1");
        }
        if (http.port < 0 || http.port > 65535) {
            throw keyError(file, keyLines, "http.port", "must be 0..65535 (0 picks a free port)");
        }
        if (http.threads < 1 || http.threads > 64) {
            throw keyError(file, keyLines, "http.threads", "must be 1..64");
        }
        if (http.maxWait.isNegative() || http.maxWait.isZero()) {
            throw keyError(file, keyLines, "http.maxWait", "must be positive");
        }
        if (http.tokenEnv == null || !(http.tokenEnv.isEmpty() || http.tokenEnv.matches("[A-Za-z_][A-Za-z0-9_]*"))) {
            throw keyError(file, keyLines, "http.tokenEnv", "must be the NAME of an environment variable (the token itself never goes into the file)");
        }
    }

    private static ConfigException keyError(Path file, Map<String, Integer> keyLines, String dottedKey, String what) {
        Integer line = keyLines.get("/" + dottedKey.replace('.', '/'));
        return new ConfigException("config " + file + (line == null ? "" : " line " + line) + ", key '" + dottedKey + "': " + what, null);
    }

    private static String keyPath(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Parses {@code PT30S}, {@code 30s}, {@code 500ms}, {@code 5m}, {@code 1h} or bare seconds. */
    public static Duration parseDuration(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("p")) {
            Duration d;
            try {
                d = Duration.parse(s.trim().toUpperCase(Locale.ROOT));
            } catch (java.time.format.DateTimeParseException e) {
                throw new IllegalArgumentException("not a duration: '" + s + "' (use e.g. 30s, 500ms, 5m, 1h or PT30S)", e);
            }
            if (d.isNegative()) {
                throw new IllegalArgumentException("negative duration: '" + s + "'");
            }
            return d;
        }
        Matcher m = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?").matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration: '" + s + "' (use e.g. 30s, 500ms, 5m, 1h or PT30S)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
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
