package reconciler.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import reconciler.graph.Failpoints;
import reconciler.graph.Graph;
import reconciler.leases.LeaseManager;
import reconciler.leases.ZooKeeperLeases;
import reconciler.writer.DebianImport;

/** A recovery's action line carries key/value fields (graph, operationId, outcome) that the JSON layout emits. */
class ActionLogTest {

    @TempDir
    static Path dir;
    @RegisterExtension
    static final ZooKeeperLeases ZK = new ZooKeeperLeases(500);

    @BeforeAll
    static void start() throws Exception {
        RacingRecoverersTest.writerLeases = ZK.leases();
    }

    @Test
    void aRollForwardIsLoggedWithGraphOperationAndOutcomeFields() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(ReconcilePass.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        logger.addAppender(events);
        ch.qos.logback.classic.Level level = logger.getLevel();
        logger.setLevel(ch.qos.logback.classic.Level.INFO);
        try (Graph g = Graph.local(dir.resolve("g")); LeaseManager lm = new LeaseManager(ZK.connectString(), Duration.ofSeconds(4),
                Duration.ofSeconds(10))) {
            g.init("logged", DebianImport.schema());
            String op = RacingRecoverersTest.crashedWriter(g);
            new ReconcilePass(new Recoverer(lm, new AuditLog(dir.resolve("audit.jsonl")), Duration.ofSeconds(10), Failpoints.none()))
                    .run(g, null);
            ILoggingEvent e = events.list.stream().filter(x -> x.getFormattedMessage().contains(op)).findFirst().orElseThrow();
            Map<String, Object> kv = e.getKeyValuePairs().stream().collect(Collectors.toMap(p -> p.key, p -> p.value));
            assertEquals(Map.of("graph", "logged", "operationId", op, "outcome", "ROLL_FORWARD"), kv);

            JsonEncoder json = new JsonEncoder();
            json.setContext(logger.getLoggerContext());
            json.start();
            String line = new String(json.encode(e), StandardCharsets.UTF_8);
            assertTrue(line.contains("\"operationId\"") && line.contains(op) && line.contains("\"ROLL_FORWARD\""), line);
        } finally {
            logger.detachAppender(events);
            logger.setLevel(level);
        }
    }
}
