package reconciler.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lance.Dataset;
import reconciler.graph.Graph;
import reconciler.manifest.Manifest;
import reconciler.sidecar.Sidecar;
import reconciler.storage.CommitProperties;
import reconciler.storage.CountingGraphStore;
import reconciler.storage.LocalGraphStore;
import reconciler.storage.StorageStats;
import reconciler.storage.TableKey;
import reconciler.writer.DebianImport;
import reconciler.writer.GraphWriter;

/**
 * The safety poll's cost (issue 16): an idle pass over a 4-table graph makes exactly 2 + 4 storage
 * requests through the counting store (one listing of {@code _manifest/} after the cached version,
 * one of {@code _recovery/}, one of each table's {@code _versions/}) and opens no Lance dataset, and
 * it still sees every case: uncovered drift (a commit without a sidecar) and a pending sidecar.
 * Real Lance tables and a real ZooKeeper server.
 */
class IdlePassRequestsTest extends RecoveryTestBase {

    static ReconcilePass pass;

    @BeforeAll
    static void start() {
        pass = new ReconcilePass(recoverer(Duration.ofSeconds(5)));
    }

    static Map<String, Long> delta(Map<String, Long> before) {
        Map<String, Long> after = new java.util.TreeMap<>(StorageStats.snapshot());
        after.replaceAll((k, v) -> v - before.getOrDefault(k, 0L));
        after.values().removeIf(v -> v == 0);
        return after;
    }

    @Test
    void anIdlePassListsManifestSidecarsAndEachTablesVersionsOnly() throws Exception {
        try (Graph g = new Graph(new CountingGraphStore(new LocalGraphStore(dir.resolve("idle"))))) {
            Manifest m = g.init("idle", DebianImport.schema());
            assertEquals(4, m.tables().size());
            pass.run(g); // warm: the manifest version is read once
            Map<String, Long> before = StorageStats.snapshot();
            ReconcilePass.Report r = pass.run(g);
            assertTrue(r.converged());
            assertEquals(Map.of("list", 6L), delta(before), "2 + 4 listings, no read, no Lance open");
        }
    }

    @Test
    void theHeadReadFromVersionNamesIsLancesLatestVersion() throws Exception {
        try (Graph g = Graph.local(dir.resolve("heads"))) {
            Manifest m = g.init("heads", DebianImport.schema());
            TableKey key = TableKey.parse(PKG);
            long v = m.pin(PKG).version();
            for (int i = 0; i < 12; i++) { // past the first short listing's length, and across a digit boundary
                v = g.tables().commitAppend(key, g.tables().stageAppend(key, m.pin(PKG).columns(), List.of(RefusedSidecarTest.pkg("p" + i))), v,
                        CommitProperties.of(GraphWriter.newOperationId(), 1, CommitProperties.ROLE_WRITER));
            }
            try (Dataset ds = g.tables().openAt(key, v)) {
                assertEquals(ds.latestVersion(), g.tables().headVersion(key));
            }
            assertEquals(v, g.tables().headVersion(key));
        }
    }

    @Test
    void anIdleLookingPassStillSeesUncoveredDriftAndPendingSidecars() throws Exception {
        try (Graph g = new Graph(new CountingGraphStore(new LocalGraphStore(dir.resolve("cases"))))) {
            Manifest m = g.init("cases", DebianImport.schema());
            pass.run(g);
            TableKey key = TableKey.parse(PKG);
            long pin = m.pin(PKG).version();
            // a commit that no sidecar covers, carrying a token not below the recorded one: reported, never touched
            g.tables().commitAppend(key, g.tables().stageAppend(key, m.pin(PKG).columns(), List.of(RefusedSidecarTest.pkg("x"))), pin,
                    CommitProperties.of(GraphWriter.newOperationId(), 5, CommitProperties.ROLE_WRITER));
            ReconcilePass.Report drift = pass.run(g);
            assertFalse(drift.converged());
            assertEquals(1, drift.status().tables().stream().filter(t -> t.table().equals(PKG)).findFirst().orElseThrow().drift());

            // a pending sidecar on another table (written after the cached manifest was read) is found and recovered
            String other = DebianImport.MAINTAINER;
            String op = GraphWriter.newOperationId();
            g.sidecars().write(new Sidecar(Sidecar.FORMAT_VERSION, op, "import", m.graphId(), "main", m.version(), GraphWriter.identity(),
                    Instant.now(), List.of(new Sidecar.SidecarTable(other, m.pin(other).version(), 1))));
            ReconcilePass.Report r = pass.run(g);
            assertTrue(r.results().stream().anyMatch(x -> x.operationId().equals(op)), r.results().toString());
            assertTrue(g.store().read(reconciler.sidecar.SidecarStore.key(op)).isEmpty(), "no table moved: aborted, sidecar deleted");
        }
    }
}
