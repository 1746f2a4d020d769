package reconciler.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reconciler.indexer.CompactionReport;
import reconciler.indexer.GraphCoverage;
import reconciler.indexer.IndexFailpoints;
import reconciler.indexer.IndexMaintenance;
import reconciler.indexer.MaintenanceOptions;
import reconciler.manifest.Manifest;
import reconciler.sidecar.Sidecar;
import reconciler.sidecar.SidecarEntry;
import reconciler.storage.TableKey;
import reconciler.writer.DebianImport;
import reconciler.graph.Failpoints;
import reconciler.graph.Graph;
import reconciler.writer.GraphWriter;

/**
 * The indexer's operations crash at every point of their commit window and the reconciler's
 * ordinary machinery ({@link Recoverer}, {@link Classifier}) heals them: an index build or a
 * compaction between commit and publish rolls forward (for a compaction: its multi-version own
 * run), one before its commit aborts, one after its publish finishes.
 */
class IndexerRecoveryTest extends RecoveryTestBase {

    static Recoverer recoverer;

    @BeforeAll
    static void start() {
        recoverer = recoverer(Duration.ofSeconds(10));
    }

    static MaintenanceOptions opts(String failpoint) {
        MaintenanceOptions o = MaintenanceOptions.defaults().vectorMaxIters(10).vectorSampleRate(64).targetRowsPerFragment(10_000);
        return failpoint == null ? o : o.failpoints(IndexFailpoints.throwing(failpoint));
    }

    static Graph graph(String name, int writes, int rows) throws Exception {
        Graph g = Graph.local(dir.resolve(name));
        g.init(name, DebianImport.schema(), DebianImport.indexes());
        GraphWriter w = new GraphWriter(g, leases, "test", Duration.ofSeconds(30), Failpoints.none());
        Random r = new Random(1);
        int k = 0;
        for (int i = 0; i < writes; i++) {
            List<Map<String, Object>> pkgs = new ArrayList<>();
            for (int j = 0; j < rows; j++, k++) {
                String d = "word" + r.nextInt(50) + " word" + r.nextInt(50) + (k % 50 == 0 ? " needle" : "");
                Map<String, Object> row = new HashMap<>();
                row.put("name", "pkg-" + k);
                row.put("section", "sec-" + (k % 10));
                row.put("description", d);
                row.put("embedding", DebianImport.embedding(d));
                pkgs.add(row);
            }
            w.write(GraphWriter.newOperationId(), Map.of(PKG, pkgs));
        }
        return g;
    }

    /** One round of index convergence with {@code failpoint} armed: it crashes there. */
    static void convergeCrashingAt(Graph g, String failpoint) {
        try (IndexMaintenance im = new IndexMaintenance(opts(failpoint))) {
            assertThrows(IndexFailpoints.Crash.class, () -> im.converge(g, leases));
        }
    }

    /** One compaction with {@code failpoint} armed: it crashes there. */
    static void compactCrashingAt(Graph g, String failpoint) {
        try (IndexMaintenance im = new IndexMaintenance(opts(failpoint))) {
            assertThrows(IndexFailpoints.Crash.class, () -> im.compact(g, leases));
        }
    }

    static Sidecar onlySidecar(Graph g) throws Exception {
        List<SidecarEntry> l = g.sidecars().list();
        assertEquals(1, l.size(), l.toString());
        return ((SidecarEntry.Valid) l.get(0)).sidecar();
    }

    static long head(Graph g) {
        return g.tables().headVersion(TableKey.parse(PKG));
    }

    static long pin(Graph g) throws Exception {
        return g.manifests().require().pin(PKG).version();
    }

    @Test
    void indexBuildCrashedBetweenCommitAndPublishRollsForward() throws Exception {
        Graph g = graph("build-commit", 2, 300);
        long pin = pin(g);
        convergeCrashingAt(g, "index-build:after-commit");
        Sidecar s = onlySidecar(g);
        assertEquals(IndexMaintenance.KIND_INDEX_BUILD, s.writerKind());
        assertEquals(pin + 1, head(g), "the CreateIndex landed");
        assertEquals(pin, pin(g), "not published");

        Recoverer.Result r = recoverer.recover(g, s);
        assertEquals(Recoverer.Status.RESOLVED, r.status(), r.message());
        assertEquals(Classifier.Action.ROLL_FORWARD, r.action());
        assertEquals(pin + 1, pin(g));
        assertTrue(g.sidecars().list().isEmpty());
        try (IndexMaintenance im = new IndexMaintenance(opts(null))) {
            GraphCoverage c = im.coverage(g);
            assertTrue(c.converged(), "the rolled-forward build is the index: " + c.backlog());
            assertEquals(List.of(), im.converge(g, leases).actions(), "nothing left to build");
        }
    }

    @Test
    void indexBuildCrashedBeforeItsCommitAborts() throws Exception {
        Graph g = graph("build-sidecar", 1, 400);
        long pin = pin(g);
        convergeCrashingAt(g, "index-build:after-sidecar");
        Recoverer.Result r = recoverer.recover(g, onlySidecar(g));
        assertEquals(Classifier.Action.ABORT, r.action(), r.message());
        assertEquals(pin, pin(g));
        assertEquals(Manifest.KIND_ABORT, g.manifests().require().kind());
        try (IndexMaintenance im = new IndexMaintenance(opts(null))) {
            assertTrue(im.converge(g, leases).converged(), "the next round builds everything");
        }
    }

    @Test
    void indexBuildCrashedAfterItsPublishIsFinished() throws Exception {
        Graph g = graph("build-publish", 1, 400);
        convergeCrashingAt(g, "index-build:after-publish");
        Recoverer.Result r = recoverer.recover(g, onlySidecar(g));
        assertEquals(Classifier.Action.FINISH, r.action(), r.message());
        assertTrue(g.sidecars().list().isEmpty());
        try (IndexMaintenance im = new IndexMaintenance(opts(null))) {
            assertTrue(im.coverage(g).converged());
        }
    }

    @Test
    void compactionCrashedBetweenCommitAndPublishRollsItsRunForward() throws Exception {
        Graph g = graph("compact-commit", 6, 100);
        try (IndexMaintenance im = new IndexMaintenance(opts(null))) {
            assertTrue(im.converge(g, leases).converged());
        }
        long pin = pin(g);
        compactCrashingAt(g, "compaction:after-commit");
        Sidecar s = onlySidecar(g);
        assertEquals(IndexMaintenance.KIND_COMPACTION, s.writerKind());
        assertEquals(pin + 3, head(g), "marker, ReserveFragments, Rewrite landed");

        Recoverer.Result r = recoverer.recover(g, s);
        assertEquals(Classifier.Action.ROLL_FORWARD, r.action(), r.message());
        assertEquals(pin + 3, pin(g));
        assertEquals(600, g.tables().countRows(TableKey.parse(PKG), pin + 3));
        try (IndexMaintenance im = new IndexMaintenance(opts(null))) {
            GraphCoverage c = im.coverage(g);
            assertTrue(c.converged(), "indexes remapped by the rolled-forward compaction: " + c.backlog());
            CompactionReport again = im.compact(g, leases);
            again.tables().forEach(t -> assertEquals(CompactionReport.Status.NOT_NEEDED, t.status(), t.detail()));
        }
    }

    @Test
    void compactionCrashedAfterItsMarkerRollsTheMarkerForward() throws Exception {
        Graph g = graph("compact-marker", 5, 100);
        long pin = pin(g);
        compactCrashingAt(g, "compaction:after-marker");
        assertEquals(pin + 1, head(g));
        Recoverer.Result r = recoverer.recover(g, onlySidecar(g));
        assertEquals(Classifier.Action.ROLL_FORWARD, r.action(), r.message());
        assertEquals(pin + 1, pin(g));
        assertEquals(500, g.tables().countRows(TableKey.parse(PKG), pin + 1));
        try (IndexMaintenance im = new IndexMaintenance(opts(null))) {
            CompactionReport again = im.compact(g, leases);
            assertEquals(CompactionReport.Status.COMMITTED, again.tables().stream().filter(t -> t.table().equals(PKG)).findFirst().orElseThrow().status(),
                    "the next round compacts");
        }
    }

    @Test
    void statusShowsTheDecisionForAnIndexerSidecar() throws Exception {
        Graph g = graph("status", 6, 100);
        compactCrashingAt(g, "compaction:after-commit");
        GraphStatus st = GraphStatus.of(g);
        assertEquals(1, st.sidecars().size());
        assertEquals("ROLL_FORWARD", st.sidecars().get(0).decision(), st.sidecars().get(0).reason());
        assertEquals("compaction", st.sidecars().get(0).writerKind());
        ReconcilePass.Report rep = new ReconcilePass(recoverer).run(g);
        assertTrue(rep.converged(), rep.toString());
    }
}
