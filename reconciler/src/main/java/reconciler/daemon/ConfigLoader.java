package reconciler.daemon;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a YAML config file into a {@link ConfigBuilder}, validates it and builds the immutable
 * {@link Config}. Errors name the file, the offending key's own line (found by a token scan) and
 * its dotted path; empty values ({@code key:} or {@code ~}) are errors, not nulls.
 */
final class ConfigLoader {

    private ConfigLoader() {
    }

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .defaultSetterInfo(JsonSetter.Value.forValueNulls(Nulls.FAIL))
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    /** @see Config#load(Path) */
    static Config load(Path file) throws Config.ConfigException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new Config.ConfigException("config " + file + ": cannot read: " + e.getMessage(), e);
        }
        ConfigBuilder c;
        Map<String, Integer> keyLines = Map.of();
        try {
            keyLines = keyLines(bytes, file);
            try (JsonParser p = YAML.createParser(bytes)) {
                c = p.nextToken() == null ? new ConfigBuilder() : YAML.readValue(p, ConfigBuilder.class);
            }
        } catch (JsonMappingException e) {
            String pointer = pointer(e);
            Integer line = keyLines.get(pointer);
            if (line == null && e.getLocation() != null) {
                line = e.getLocation().getLineNr();
            }
            String what = e instanceof UnrecognizedPropertyException u ? "unknown key '" + u.getPropertyName() + "'" : e.getOriginalMessage();
            throw new Config.ConfigException("config " + file + " line " + (line == null ? "?" : line)
                    + ", key '" + keyPath(e) + "': " + firstLine(what), e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new Config.ConfigException("config " + file + " line " + (e.getLocation() == null ? "?" : e.getLocation().getLineNr())
                    + ": not valid YAML: " + firstLine(e.getOriginalMessage()), e);
        } catch (IOException e) {
            throw new Config.ConfigException("config " + file + ": cannot read: " + e.getMessage(), e);
        }
        if (c == null) {
            c = new ConfigBuilder();
        }
        validate(c, file, keyLines);
        validateMaintenance(c, file, keyLines);
        return new Config(c, file);
    }

    /**
     * Line of every mapping key, by JSON pointer ({@code /zookeeper/sessionTimeout}).
     *
     * @throws Config.ConfigException naming the key and both lines if a key is given twice in one
     *     mapping (YAML parsers keep the last one silently; an operator's second entry is a mistake)
     */
    private static Map<String, Integer> keyLines(byte[] bytes, Path file) throws IOException, Config.ConfigException {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser p = YAML.createParser(bytes)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.FIELD_NAME) {
                    String pointer = p.getParsingContext().pathAsPointer().toString();
                    int line = p.currentTokenLocation().getLineNr();
                    Integer first = lines.putIfAbsent(pointer, line);
                    if (first != null) {
                        throw new Config.ConfigException("config " + file + " line " + line + ", key '"
                                + pointer.substring(1).replace('/', '.') + "': given twice (first on line " + first + ")", null);
                    }
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

    private static void validate(ConfigBuilder c, Path file, Map<String, Integer> keyLines) throws Config.ConfigException {
        if (c.graphs == null) {
            c.graphs = new ArrayList<>();
        }
        for (int i = 0; i < c.graphs.size(); i++) {
            if (c.graphs.get(i) == null || c.graphs.get(i).isBlank()) {
                throw new Config.ConfigException("config " + file + ", key 'graphs[" + i + "]': must be a directory path", null);
            }
        }
        if (c.pollInterval.isNegative() || c.pollInterval.isZero()) {
            throw keyError(file, keyLines, "pollInterval", "must be positive");
        }
        if (c.leaseWait.isNegative()) {
            throw keyError(file, keyLines, "leaseWait", "must not be negative");
        }
        if (!"low".equals(c.indexerPriority) && !"normal".equals(c.indexerPriority)) {
            throw keyError(file, keyLines, "indexerPriority", "must be low or normal, got '" + c.indexerPriority + "'");
        }
        if (!List.of(Config.RECOVERY_FULL, Config.RECOVERY_ROLL_FORWARD_ONLY).contains(c.recoveryMode)) {
            throw keyError(file, keyLines, "recoveryMode", "must be " + Config.RECOVERY_FULL + " or " + Config.RECOVERY_ROLL_FORWARD_ONLY
                    + ", not '" + c.recoveryMode + "'");
        }
        for (Map.Entry<String, String> e : c.recoveryModePerGraph.entrySet()) {
            if (!c.graphs.contains(e.getKey())) {
                throw new Config.ConfigException("config " + file + ", key 'recoveryModePerGraph." + e.getKey()
                        + "': not one of the roots listed in 'graphs'", null);
            }
            if (!List.of(Config.RECOVERY_FULL, Config.RECOVERY_ROLL_FORWARD_ONLY).contains(e.getValue())) {
                throw new Config.ConfigException("config " + file + ", key 'recoveryModePerGraph." + e.getKey() + "': must be "
                        + Config.RECOVERY_FULL + " or " + Config.RECOVERY_ROLL_FORWARD_ONLY + ", not '" + e.getValue() + "'", null);
            }
        }
        if (c.passThreads < 1 || c.passThreads > 256) {
            throw keyError(file, keyLines, "passThreads", "must be 1..256");
        }
        if (c.zookeeper == null) {
            c.zookeeper = new ConfigBuilder.ZooKeeper();
        }
        if (c.zookeeper.sessionTimeout.isNegative() || c.zookeeper.sessionTimeout.isZero()) {
            throw keyError(file, keyLines, "zookeeper.sessionTimeout", "must be positive");
        }
        if (c.zookeeper.connectTimeout.isNegative() || c.zookeeper.connectTimeout.isZero()) {
            throw keyError(file, keyLines, "zookeeper.connectTimeout", "must be positive");
        }
        if (c.s3 == null) {
            c.s3 = new ConfigBuilder.S3();
        }
        for (Map.Entry<String, ConfigBuilder.S3> e : c.s3PerGraph.entrySet()) {
            if (!c.graphs.contains(e.getKey())) {
                throw new Config.ConfigException("config " + file + ", key 's3PerGraph." + e.getKey() + "': not one of the roots listed in 'graphs'", null);
            }
        }
        if (c.zookeeper.embeddedPort < 1 || c.zookeeper.embeddedPort > 65535) {
            throw keyError(file, keyLines, "zookeeper.embeddedPort", "must be 1..65535");
        }
        if (c.zookeeper.embeddedTickTime.toMillis() < 1 || c.zookeeper.embeddedTickTime.toMillis() > 10_000) {
            throw keyError(file, keyLines, "zookeeper.embeddedTickTime", "must be 1ms..10s");
        }
        if (c.zookeeper.connect.isBlank()) { // the embedded server's session bounds
            long session = c.zookeeper.sessionTimeout.toMillis();
            if (session > reconciler.leases.EmbeddedZooKeeper.MAX_SESSION_TIMEOUT_MS) {
                // the server would silently negotiate it down: refuse instead of running with another value than configured
                throw keyError(file, keyLines, "zookeeper.sessionTimeout", "must be at most "
                        + reconciler.leases.EmbeddedZooKeeper.MAX_SESSION_TIMEOUT_MS / 1000 + "s with the embedded server");
            }
            if (session < 2 * c.zookeeper.embeddedTickTime.toMillis()) {
                throw keyError(file, keyLines, "zookeeper.sessionTimeout", "must be at least 2 x zookeeper.embeddedTickTime ("
                        + 2 * c.zookeeper.embeddedTickTime.toMillis() + "ms) with the embedded server");
            }
        }
    }

    /** Checks the keys added for the maintenance API (issue #5); errors name the file, line and key. */
    private static void validateMaintenance(ConfigBuilder c, Path file, Map<String, Integer> keyLines) throws Config.ConfigException {
        if (c.http == null) {
            c.http = new ConfigBuilder.Http();
        }
        if (c.shutdownTimeout.isNegative() || c.shutdownTimeout.isZero()) {
            throw keyError(file, keyLines, "shutdownTimeout", "must be positive");
        }
        if (c.http.bind == null || c.http.bind.isBlank()) {
            throw keyError(file, keyLines, "http.bind", "must be an address such as 127.0.0.1");
        }
        if (c.http.port < 0 || c.http.port > 65535) {
            throw keyError(file, keyLines, "http.port", "must be 0..65535 (0 picks a free port)");
        }
        if (c.http.threads < 1 || c.http.threads > 64) {
            throw keyError(file, keyLines, "http.threads", "must be 1..64");
        }
        if (c.http.maxWait.isNegative() || c.http.maxWait.isZero()) {
            throw keyError(file, keyLines, "http.maxWait", "must be positive");
        }
        if (c.http.tokenEnv == null || !(c.http.tokenEnv.isEmpty() || c.http.tokenEnv.matches("[A-Za-z_][A-Za-z0-9_]*"))) {
            throw keyError(file, keyLines, "http.tokenEnv", "must be the NAME of an environment variable (the token itself never goes into the file)");
        }
    }

    private static Config.ConfigException keyError(Path file, Map<String, Integer> keyLines, String dottedKey, String what) {
        Integer line = keyLines.get("/" + dottedKey.replace('.', '/'));
        return new Config.ConfigException("config " + file + (line == null ? "" : " line " + line) + ", key '" + dottedKey + "': " + what, null);
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
}
