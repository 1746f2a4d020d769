package reconciler.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reconciler.leases.LeaseManager;
import reconciler.leases.LeaseSet;
import reconciler.leases.ZooKeeperLeases;
import reconciler.manifest.Manifest;
import reconciler.sidecar.Sidecar;
import reconciler.storage.CommitProperties;
import reconciler.storage.TableKey;
import reconciler.writer.DebianImport;
import reconciler.graph.Failpoints;
import reconciler.graph.Graph;
import reconciler.writer.GraphWriter;

/**
 * The classify → publish race (OmniGraph's fault matrix: "two recoverers racing the same roll
 * forward"): two reconcilers with their own ZooKeeper sessions recover the same crashed writer's
 * sidecar at the same instant. The table leases serialise them and the sidecar is re-read under
 * them, so the loser finds it gone: one publish, one audit record, one outcome. Real Lance tables,
 * a real ZooKeeper server, two sessions.
 */
class RacingRecoverersTest {

    @TempDir
    static Path dir;
    @RegisterExtension
    static final ZooKeeperLeases ZK = new ZooKeeperLeases(500);
    static LeaseManager writerLeases;
    static final String PKG = DebianImport.PACKAGE;
    static final String DEP = DebianImport.DEPENDS_ON;

    @BeforeAll
    static void start() throws Exception {
        writerLeases = ZK.leases();
    }

    /** A writer that committed both tables and died before its publish: rolls forward. */
    static String crashedWriter(Graph g) throws Exception {
        Manifest m = g.manifests().require();
        String op = GraphWriter.newOperationId();
        List<Sidecar.SidecarTable> tables = new ArrayList<>();
        try (LeaseSet lease = writerLeases.acquire(m.graphId(), Graph.MAIN_BRANCH, List.of(DEP, PKG), Duration.ofSeconds(10))) {
            for (String t : List.of(DEP, PKG)) {
                tables.add(new Sidecar.SidecarTable(t, m.pin(t).version(), lease.fencingToken(t)));
            }
            g.sidecars().write(new Sidecar(Sidecar.FORMAT_VERSION, op, "import", m.graphId(), Graph.MAIN_BRANCH, m.version(),
                    GraphWriter.identity(), Instant.now(), tables));
            for (Sidecar.SidecarTable t : tables) {
                TableKey key = TableKey.parse(t.tableKey());
                java.util.Map<String, Object> row = t.tableKey().equals(PKG) ? RefusedSidecarTest.pkg("p-" + op)
                        : java.util.Map.of("src", "a", "dst", "b", "kind", "depends", "constraint_text", "");
                g.tables().commitAppend(key, g.tables().stageAppend(key, m.pin(t.tableKey()).columns(), List.of(row)),
                        t.expectedVersion(), CommitProperties.of(op, t.fencingToken(), CommitProperties.ROLE_WRITER));
            }
        } // released: the writer "died" after its commits, before its publish
        return op;
    }

    @RepeatedTest(3)
    void twoReconcilersRacingOneSidecarPublishOnceAndAuditOnce(org.junit.jupiter.api.RepetitionInfo rep) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<LeaseManager> sessions = new ArrayList<>();
        try (Graph g = Graph.local(dir.resolve("race-" + rep.getCurrentRepetition()))) {
            Manifest base = g.init("race", DebianImport.schema());
            String op = crashedWriter(g);
            CyclicBarrier start = new CyclicBarrier(2);
            List<Future<Recoverer.Result>> results = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                LeaseManager lm = new LeaseManager(ZK.connectString(), Duration.ofSeconds(4), Duration.ofSeconds(10));
                sessions.add(lm);
                Recoverer r = new Recoverer(lm, new AuditLog(dir.resolve("audit-" + rep.getCurrentRepetition() + "-" + i + ".jsonl")),
                        Duration.ofSeconds(30), Failpoints.none());
                Sidecar s = g.sidecars().read(op).orElseThrow();
                results.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    return r.recover(g, s);
                }));
            }
            List<Recoverer.Result> done = new ArrayList<>();
            for (Future<Recoverer.Result> f : results) {
                done.add(f.get(60, TimeUnit.SECONDS));
            }
            assertTrue(done.stream().allMatch(r -> r.status() == Recoverer.Status.RESOLVED), done.toString());
            assertEquals(1, done.stream().filter(r -> r.action() == Classifier.Action.ROLL_FORWARD).count(), "one winner: " + done);
            assertEquals(1, done.stream().filter(r -> r.action() == null).count(), "the loser found the sidecar gone: " + done);

            List<Manifest> published = g.manifests().history(base.version());
            assertEquals(1, published.size(), "one publish");
            assertEquals(Manifest.KIND_ROLL_FORWARD, published.get(0).kind());
            assertEquals(op, published.get(0).operationId());
            List<AuditRecord> audit = AuditLog.readAll(g.store());
            assertEquals(1, audit.size(), audit.toString());
            assertEquals(AuditRecord.ROLLED_FORWARD, audit.get(0).outcome());
            assertTrue(g.sidecars().list().isEmpty());
            assertTrue(GraphStatus.of(g).converged());
        } finally {
            pool.shutdownNow();
            sessions.forEach(LeaseManager::close);
        }
    }
}
