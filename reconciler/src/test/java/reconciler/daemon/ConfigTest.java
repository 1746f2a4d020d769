package reconciler.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reconciler.daemon.Config.ConfigException;

class ConfigTest extends ConfigFileTestBase {

    private static void assertMentions(ConfigException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message should contain '" + p + "': " + e.getMessage());
        }
    }

    @Test
    void validYamlLoads() throws Exception {
        Path f = write("reconciler.yaml", """
                graphs:
                  - /data/graphs/debian
                  - relative/graph
                stateDir: /var/lib/reconciler/state
                auditLog: /var/log/reconciler/audit.jsonl
                pollInterval: 30s
                leaseWait: 500ms
                zookeeper:
                  connect: zk1:2181,zk2:2181
                  embeddedPort: 2999
                  sessionTimeout: PT5M
                  connectTimeout: 2m
                """);
        Config c = Config.load(f);
        assertEquals(List.of("/data/graphs/debian", "relative/graph"), c.graphs);
        assertEquals("/var/lib/reconciler/state", c.stateDir);
        assertEquals("/var/log/reconciler/audit.jsonl", c.auditLog);
        assertEquals(Duration.ofSeconds(30), c.pollInterval);
        assertEquals(Duration.ofMillis(500), c.leaseWait);
        assertEquals("zk1:2181,zk2:2181", c.zookeeper.connect);
        assertEquals(2999, c.zookeeper.embeddedPort);
        assertEquals(Duration.ofMinutes(5), c.zookeeper.sessionTimeout);
        assertEquals(Duration.ofMinutes(2), c.zookeeper.connectTimeout);
    }

    @Test
    void recoveryModeIsPerGraphWithADefaultAndBadValuesAreRefusedNamingTheKey() throws Exception {
        Config c = Config.load(write("modes.yaml", """
                graphs: [/g/a, /g/b]
                recoveryMode: full
                recoveryModePerGraph:
                  /g/b: roll-forward-only
                """));
        assertFalse(c.rollForwardOnly("/g/a"));
        assertTrue(c.rollForwardOnly("/g/b"));
        assertFalse(new Config().rollForwardOnly("/g/a"), "the default is full");
        assertMentions(fails(write("bad-mode.yaml", "recoveryMode: forward\n")), "line 1", "recoveryMode", "roll-forward-only");
        assertMentions(fails(write("bad-root.yaml", "graphs: [/g/a]\nrecoveryModePerGraph: {/g/x: full}\n")),
                "recoveryModePerGraph./g/x", "not one of the roots");
        assertMentions(fails(write("bad-value.yaml", "graphs: [/g/a]\nrecoveryModePerGraph: {/g/a: back}\n")),
                "recoveryModePerGraph./g/a", "'back'");
    }

    @Test
    void aKeyGivenTwiceIsRefusedNamingItAndBothLines() throws Exception {
        Config.ConfigException top = assertThrows(Config.ConfigException.class,
                () -> Config.load(write("dup.yaml", "pollInterval: 1m\nleaseWait: 1s\npollInterval: 5m\n")));
        assertTrue(top.getMessage().contains("line 3, key 'pollInterval': given twice (first on line 1)"), top.getMessage());
        Config.ConfigException nested = assertThrows(Config.ConfigException.class,
                () -> Config.load(write("dup2.yaml", "zookeeper:\n  sessionTimeout: 10s\n  sessionTimeout: 20s\n")));
        assertTrue(nested.getMessage().contains("line 3, key 'zookeeper.sessionTimeout': given twice (first on line 2)"), nested.getMessage());
    }

    @Test
    void emptyFileGivesDefaults() throws Exception {
        assertDefaults(Config.load(write("empty.yaml", "")));
    }

    @Test
    void documentSeparatorOnlyGivesDefaults() throws Exception {
        assertDefaults(Config.load(write("separator.yaml", "---\n")));
    }

    @Test
    void commentOrWhitespaceOnlyFileGivesDefaults() throws Exception {
        assertDefaults(Config.load(write("comments.yaml", "# nothing configured yet\n")));
        assertDefaults(Config.load(write("blank.yaml", "\n  \n")));
    }

    @Test
    void shippedDefaultConfigLoadsAndMatchesTheBuiltInDefaults() throws Exception {
        Path shipped = Path.of("..", "conf", "reconciler.yaml");
        assumeTrue(Files.isRegularFile(shipped), "conf/reconciler.yaml not found from " + Path.of("").toAbsolutePath());
        Config c = Config.load(shipped);
        Config d = new Config();
        assertEquals(d.stateDir, c.stateDir);
        assertEquals(d.auditLog, c.auditLog);
        assertEquals(d.pollInterval, c.pollInterval);
        assertEquals(d.leaseWait, c.leaseWait);
        assertEquals(d.zookeeper.connect, c.zookeeper.connect);
        assertEquals(d.zookeeper.embeddedPort, c.zookeeper.embeddedPort);
        assertEquals(d.zookeeper.sessionTimeout, c.zookeeper.sessionTimeout);
        assertEquals(d.zookeeper.connectTimeout, c.zookeeper.connectTimeout);
        assertEquals(d.zookeeper.embeddedTickTime, c.zookeeper.embeddedTickTime);
    }

    @Test
    void semanticErrorsNameTheKeyAndItsLine() throws Exception {
        ConfigException e = fails(write("tick.yaml", """
                graphs: []
                zookeeper:
                  sessionTimeout: 150ms
                  embeddedTickTime: 100ms
                """));
        assertMentions(e, "tick.yaml line 3", "key 'zookeeper.sessionTimeout'", "2 x zookeeper.embeddedTickTime (200ms)");
        ConfigException bad = fails(write("tick0.yaml", "zookeeper:\n  embeddedTickTime: 0s\n"));
        assertMentions(bad, "tick0.yaml line 2", "key 'zookeeper.embeddedTickTime'", "must be 1ms..10s");
    }

    @Test
    void sessionsTheEmbeddedServerWouldShortenAreRefused() throws Exception {
        ConfigException e = fails(write("long.yaml", """
                zookeeper:
                  sessionTimeout: 5m
                """));
        assertMentions(e, "long.yaml line 2", "key 'zookeeper.sessionTimeout'", "at most 60s with the embedded server");
        Config external = Config.load(write("long-external.yaml", """
                zookeeper:
                  connect: zk1:2181
                  sessionTimeout: 5m
                """));
        assertEquals(Duration.ofMinutes(5), external.zookeeper.sessionTimeout, "an ensemble's limits are its own");
    }

    @Test
    void shortSessionsAreFineWithAnExternalEnsemble() throws Exception {
        Config c = Config.load(write("external.yaml", """
                zookeeper:
                  connect: zk1:2181
                  sessionTimeout: 150ms
                """));
        assertEquals(Duration.ofMillis(150), c.zookeeper.sessionTimeout);
    }

    private static void assertDefaults(Config c) {
        Config d = new Config();
        assertEquals(List.of(), c.graphs);
        assertEquals(d.stateDir, c.stateDir);
        assertEquals("var/state", c.stateDir);
        assertEquals("var/audit.jsonl", c.auditLog);
        assertEquals(Duration.ofMinutes(5), c.pollInterval, "the safety poll: between polls the daemon is event-driven");
        assertTrue(c.events);
        assertEquals(Duration.ofSeconds(30), c.leaseWait);
        assertEquals("", c.zookeeper.connect);
        assertEquals(2281, c.zookeeper.embeddedPort);
        assertEquals(Duration.ofSeconds(10), c.zookeeper.sessionTimeout);
        assertEquals(Duration.ofSeconds(15), c.zookeeper.connectTimeout);
        assertEquals(Duration.ofMillis(100), c.zookeeper.embeddedTickTime);
    }

    @Test
    void partialFileKeepsDefaultsForTheRest() throws Exception {
        Config c = Config.load(write("partial.yaml", """
                zookeeper:
                  embeddedPort: 3000
                """));
        assertEquals(3000, c.zookeeper.embeddedPort);
        assertEquals(Duration.ofSeconds(10), c.zookeeper.sessionTimeout);
        assertEquals(Duration.ofMinutes(5), c.pollInterval);
    }

    @Test
    void unknownKeyNamesFileLineAndKey() throws Exception {
        Path f = write("typo.yaml", """
                graphs:
                  - /data/g1
                pollIntervall: 30s
                leaseWait: 1s
                """);
        ConfigException e = fails(f);
        assertMentions(e, f.toString(), "line 3,", "pollIntervall");
    }

    @Test
    void unknownKeyOnTheFirstLine() throws Exception {
        ConfigException e = fails(write("first.yaml", "graph: /data/g1\n"));
        assertMentions(e, "first.yaml", "line 1,", "'graph'");
    }

    @Test
    void unknownKeyWithANestedValueNamesItsOwnLine() throws Exception {
        Path f = write("nested-value.yaml", """
                pollInterval: 30s
                extra:
                  a: 1
                  b: 2
                leaseWait: 1s
                """);
        ConfigException e = fails(f);
        assertMentions(e, "nested-value.yaml", "line 2,", "extra");
    }

    @Test
    void nestedUnknownKeyNamesTheSection() throws Exception {
        Path f = write("nested.yaml", """
                graphs: []
                zookeeper:
                  connect: ""
                  sesionTimeout: 10s
                """);
        ConfigException e = fails(f);
        assertMentions(e, f.toString(), "line 4,", "zookeeper", "sesionTimeout");
    }

    @Test
    void badDurationNamesTheKey() throws Exception {
        Path f = write("duration.yaml", """
                graphs:
                  - /data/g1

                pollInterval: soon
                """);
        ConfigException e = fails(f);
        assertMentions(e, f.toString(), "line 4,", "pollInterval", "soon");
    }

    @Test
    void badNestedDurationNamesTheDottedKey() throws Exception {
        ConfigException e = fails(write("nested-duration.yaml", """
                zookeeper:
                  sessionTimeout: 10 parsecs
                """));
        assertMentions(e, "line 2,", "zookeeper.sessionTimeout");
    }

    @Test
    void wrongTypeNamesTheKey() throws Exception {
        ConfigException e = fails(write("port.yaml", """
                zookeeper:
                  embeddedPort: lots
                """));
        assertMentions(e, "line 2,", "zookeeper.embeddedPort");
    }

    @Test
    void zeroPollIntervalIsRefused() throws Exception {
        assertMentions(fails(write("zero.yaml", "pollInterval: 0s\n")), "zero.yaml", "pollInterval", "positive");
    }

    @Test
    void portOutOfRangeIsRefused() throws Exception {
        assertMentions(fails(write("range.yaml", "zookeeper:\n  embeddedPort: 70000\n")), "zookeeper.embeddedPort");
    }

    @Test
    void blankGraphIsRefused() throws Exception {
        assertMentions(fails(write("blank.yaml", "graphs:\n  - /a\n  - \"  \"\n")), "graphs[1]");
    }

    @Test
    void invalidYamlNamesTheLine() throws Exception {
        ConfigException e = fails(write("broken.yaml", """
                graphs:
                  - /a
                 pollInterval: 30s
                """));
        assertMentions(e, "broken.yaml", "line 3:", "not valid YAML");
    }

    @Test
    void aListWhereADurationBelongsNamesTheKey() throws Exception {
        ConfigException e = fails(write("list.yaml", """
                graphs: []
                leaseWait: [30s]
                """));
        assertMentions(e, "list.yaml", "line 2,", "'leaseWait'", "not a duration");
    }

    @Test
    void emptyValueOfATypedKeyIsAConfigErrorNamingTheKey() throws Exception {
        assertMentions(fails(write("null-poll.yaml", "graphs: []\npollInterval:\n")), "line 2", "pollInterval");
        assertMentions(fails(write("null-lease.yaml", "leaseWait: ~\n")), "line 1", "leaseWait");
        assertMentions(fails(write("null-session.yaml", "zookeeper:\n  sessionTimeout:\n")), "line 2", "zookeeper.sessionTimeout");
        assertMentions(fails(write("null-state.yaml", "stateDir:\n")), "line 1", "stateDir");
    }

    @Test
    void emptyGraphsAndZookeeperSectionsGiveDefaults() throws Exception {
        Config c = Config.load(write("empty-sections.yaml", "graphs:\nzookeeper:\n"));
        assertEquals(List.of(), c.graphs);
        assertEquals(2281, c.zookeeper.embeddedPort);
        assertEquals("", c.zookeeper.connect);
    }

    @Test
    void missingFileIsAConfigException() {
        Path f = dir.resolve("absent.yaml");
        assertMentions(fails(f), "absent.yaml", "cannot read");
    }

    @ParameterizedTest
    @CsvSource({"30s, PT30S", "500ms, PT0.5S", "5m, PT5M", "1h, PT1H", "PT5M, PT5M", "pt30s, PT30S", "45, PT45S", "' 2 s ', PT2S"})
    void parsesDurations(String text, String iso) {
        assertEquals(Duration.parse(iso), Config.parseDuration(text));
    }

    @ParameterizedTest
    @CsvSource({"soon", "5 minutes", "-5s", "1.5s", "''"})
    void rejectsBadDurations(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Config.parseDuration(text));
        assertTrue(e.getMessage().contains(text.trim()), e.getMessage());
    }
}
