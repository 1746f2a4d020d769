package reconciler.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reconciler.graph.Failpoints;
import reconciler.graph.GraphSession;
import reconciler.graph.GraphSnapshot;
import reconciler.graph.GraphTransaction;
import reconciler.graph.ScanResult;
import reconciler.leases.LeaseManager;
import reconciler.leases.ZooKeeperLeases;
import reconciler.sidecar.Sidecar;
import reconciler.sidecar.SidecarEntry;
import reconciler.storage.ArrowRows;
import reconciler.storage.ArrowTypes;
import reconciler.storage.TestRows;

/**
 * Every write kind of the graph library crashed at every failpoint of its commit window is healed
 * by the reconciler's ordinary machinery ({@link Recoverer}, {@link Classifier}), with one audit
 * record, and a snapshot afterwards shows either exactly the state before (abort, roll back) or
 * exactly the operation's effect (roll forward, finish) — never part of it. Each operation writes its
 * kind to {@code edge:Data} (committed first) and appends to {@code node:Side}, so
 * {@code after-commit:1} leaves one table moved (roll back) and {@code after-commit:2} both (roll
 * forward). Real Lance tables, a real ZooKeeper server; the crash is a thrown
 * {@link Failpoints.Crash} (leases released as a dead session's would be, sidecar left).
 */
class WriteKindRecoveryTest {

    @TempDir
    static Path dir;
    @RegisterExtension
    static final ZooKeeperLeases ZK = new ZooKeeperLeases(100);
    static LeaseManager leases;
    static Recoverer recoverer;

    static final Schema DATA = new Schema(List.of(ArrowTypes.field("id", "int64 not null"), ArrowTypes.field("val", "utf8")));
    static final Schema SIDE = new Schema(List.of(ArrowTypes.field("note", "utf8")));

    @BeforeAll
    static void start() throws Exception {
        leases = ZK.leases();
        recoverer = new Recoverer(leases, new AuditLog(dir.resolve("audit.jsonl")), Duration.ofSeconds(10), Failpoints.none());
    }

    static ArrowReader data(GraphSession g, int from, int n, String tag) {
        return ArrowRows.reader(g.graph().tables().allocator(), DATA, TestRows.range(from, n, i -> Map.of("id", (long) i, "val", tag + i)), 100);
    }

    static Map<Long, String> content(GraphSnapshot s) throws Exception {
        Map<Long, String> out = new TreeMap<>();
        try (ScanResult r = s.scan("edge:Data", List.of(), null, 0)) {
            while (r.loadNextBatch()) {
                VectorSchemaRoot root = r.getVectorSchemaRoot();
                for (int i = 0; i < root.getRowCount(); i++) {
                    out.put((Long) root.getVector("id").getObject(i), String.valueOf(root.getVector("val").getObject(i)));
                }
            }
        }
        return out;
    }

    static void stage(GraphSession g, GraphTransaction tx, String kind) throws Exception {
        switch (kind) {
            case "append" -> tx.append("edge:Data", data(g, 100, 5, "n"));
            case "delete" -> tx.delete("edge:Data", "id % 2 = 0");
            case "upsert" -> tx.upsert("edge:Data", List.of("id"), data(g, 8, 4, "u"));
            case "overwrite" -> tx.overwrite("edge:Data", data(g, 50, 3, "o"));
            default -> throw new IllegalArgumentException(kind);
        }
        tx.append("node:Side", ArrowRows.reader(g.graph().tables().allocator(), SIDE, List.of(Map.of("note", kind)), 10));
    }

    @ParameterizedTest(name = "{0} crashed at {1} -> {2}")
    @CsvSource({
            "append, after-sidecar, aborted", "append, after-commit:1, rolled_back", "append, after-commit:2, rolled_forward",
            "append, after-publish, finished",
            "delete, after-sidecar, aborted", "delete, after-commit:1, rolled_back", "delete, after-commit:2, rolled_forward",
            "delete, after-publish, finished",
            "upsert, after-sidecar, aborted", "upsert, after-commit:1, rolled_back", "upsert, after-commit:2, rolled_forward",
            "upsert, after-publish, finished",
            "overwrite, after-sidecar, aborted", "overwrite, after-commit:1, rolled_back", "overwrite, after-commit:2, rolled_forward",
            "overwrite, after-publish, finished"})
    void aCrashedWriteOfEveryKindIsHealedToAllOrNothing(String kind, String failpoint, String outcome) throws Exception {
        Path root = dir.resolve(kind + "-" + failpoint.replace(':', '-'));
        Failpoints crash = Failpoints.throwing(failpoint, 2); // the second operation: the first seeds the table
        try (GraphSession g = GraphSession.open(root.toString(), GraphSession.Options.defaults().withZookeeper(ZK.connectString())
                .withFailpoints(crash))) {
            g.init("kinds", Map.of("edge:Data", DATA, "node:Side", SIDE));
            try (GraphTransaction seed = g.begin("seed")) {
                seed.append("edge:Data", data(g, 0, 10, "s"));
                seed.commit();
            }
            Map<Long, String> before;
            try (GraphSnapshot s = g.snapshot()) {
                before = content(s);
            }
            Map<Long, String> expected = expectedAfter(g, kind, before);

            try (GraphTransaction tx = g.begin("kinds-test")) {
                stage(g, tx, kind);
                assertThrows(Failpoints.Crash.class, tx::commit);
            }
            List<SidecarEntry> left = g.graph().sidecars().list();
            assertEquals(1, left.size(), "the crash left its sidecar");
            Sidecar s = ((SidecarEntry.Valid) left.get(0)).sidecar();
            try (GraphSnapshot during = g.snapshot()) {
                assertEquals(outcome.equals("finished") ? expected : before, content(during), "readers never see part of the operation");
            }

            Recoverer.Result r = recoverer.recover(g.graph(), s);
            assertEquals(Recoverer.Status.RESOLVED, r.status(), r.message());
            List<AuditRecord> audit = AuditLog.readAll(g.graph().store());
            assertEquals(1, audit.size(), audit.toString());
            assertEquals(outcome, audit.get(0).outcome());
            assertTrue(GraphStatus.of(g.graph()).converged());
            boolean applied = outcome.equals("rolled_forward") || outcome.equals("finished");
            try (GraphSnapshot after = g.snapshot()) {
                assertEquals(applied ? expected : before, content(after));
                assertEquals(applied ? 1 : 0, after.count("node:Side", null));
            }
        }
    }

    /** What the operation of {@code kind} makes of {@code before}, computed independently of Lance. */
    static Map<Long, String> expectedAfter(GraphSession g, String kind, Map<Long, String> before) {
        Map<Long, String> m = new TreeMap<>(before);
        switch (kind) {
            case "append" -> { for (long i = 100; i < 105; i++) m.put(i, "n" + i); }
            case "delete" -> m.keySet().removeIf(k -> k % 2 == 0);
            case "upsert" -> { for (long i = 8; i < 12; i++) m.put(i, "u" + i); }
            case "overwrite" -> { m.clear(); for (long i = 50; i < 53; i++) m.put(i, "o" + i); }
            default -> throw new IllegalArgumentException(kind);
        }
        return m;
    }
}
