package reconciler.indexer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reconciler.manifest.IndexSpec;
import reconciler.manifest.Manifest;
import reconciler.storage.CommitInfo;
import reconciler.storage.CommitProperties;
import reconciler.storage.TableKey;
import reconciler.graph.Graph;
import reconciler.writer.GraphWriter;

/** Converge: staged builds of the four index types, incremental coverage, drift rebuilds, writers never blocked. */
class ConvergeTest extends FixtureTest {

    static IndexCoverage index(GraphCoverage c, String table, String name) {
        return c.tables().stream().filter(t -> t.table().equals(table)).flatMap(t -> t.indexes().stream())
                .filter(i -> i.index().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no " + name + " on " + table));
    }

    static final List<String> PKG_INDEXES = List.of("name_idx", "section_idx", "description_fts", "embedding_ivfpq");

    @Test
    void convergeBuildsAllFourIndexTypesToFullCoverageAtThePin() throws Exception {
        Graph g = fx.graph(dir.resolve("all4"), 4, 500);
        try (IndexMaintenance im = new IndexMaintenance(fast())) {
            GraphCoverage before = im.coverage(g);
            assertFalse(before.converged());
            for (String n : PKG_INDEXES) {
                IndexCoverage ic = index(before, Fixture.PKG, n);
                assertEquals(IndexCoverage.State.MISSING, ic.state(), n);
                assertEquals(2000, ic.rowsTotal());
                assertEquals(0, ic.rowsIndexed());
                assertEquals(4, ic.uncoveredFragments().size());
                assertEquals(0.0, ic.coverage());
            }
            assertEquals(IndexCoverage.State.EMPTY, index(before, "edge:DependsOn", "src_idx").state());

            long pinBefore = fx.pin(g, Fixture.PKG);
            ConvergeReport r = im.converge(g, fx.leases);
            assertEquals(4, r.actions().size(), r.actions().toString());
            r.actions().forEach(a -> assertEquals(CommitStatus.COMMITTED, a.status(), a.toString()));
            r.actions().forEach(a -> assertEquals("FULL", a.mode()));
            assertEquals(1, r.actions().stream().map(IndexAction::operationId).distinct().count(), "one commit for the table");
            assertTrue(r.converged(), r.after().backlog().toString());

            Manifest m = g.manifests().require();
            long pin = m.pin(Fixture.PKG).version();
            assertEquals(pinBefore + 1, pin, "one CreateIndex version right after the pin");
            assertEquals(pin, g.tables().headVersion(TableKey.parse(Fixture.PKG)));
            assertEquals(Manifest.KIND_INDEX, m.kind());
            assertEquals(r.actions().get(0).operationId(), m.operationId());
            assertTrue(g.sidecars().list().isEmpty(), "sidecar deleted");
            CommitInfo ci = g.tables().commitInfo(TableKey.parse(Fixture.PKG), pin).orElseThrow();
            assertEquals("CreateIndex", ci.operation());
            assertEquals(m.operationId(), ci.property(CommitProperties.OPERATION_ID));
            assertEquals(CommitProperties.ROLE_WRITER, ci.property(CommitProperties.ROLE));
            assertEquals(m.pin(Fixture.PKG).fencingToken(), CommitProperties.fencingToken(ci));

            for (String n : PKG_INDEXES) {
                IndexCoverage ic = index(r.after(), Fixture.PKG, n);
                assertEquals(IndexCoverage.State.COVERED, ic.state(), n + ": " + ic.detail());
                assertEquals(2000, ic.rowsIndexed());
                assertEquals(1.0, ic.coverage());
                assertEquals(List.of(), ic.uncoveredFragments());
                assertEquals(1, ic.segments());
                assertEquals(List.of(), ic.drift());
            }
            assertEquals(1, fx.byName(g, 1234));
            assertEquals(100, fx.bySection(g, "sec-3"));
            assertEquals(20, fx.fts(g, "needle"));
            assertEquals(10, fx.nearest(g, "kernel python daemon", 10));

            ConvergeReport again = im.converge(g, fx.leases);
            assertEquals(List.of(), again.actions(), "nothing to do once covered");
            assertEquals(pin, fx.pin(g, Fixture.PKG), "an idle converge commits nothing");
        }
    }

    @Test
    void appendsAreCoveredIncrementallyWithOneMoreSegment() throws Exception {
        Graph g = fx.graph(dir.resolve("incr"), 1, 1000);
        try (IndexMaintenance im = new IndexMaintenance(fast())) {
            assertTrue(im.converge(g, fx.leases).converged());
            fx.write(g, 500);
            GraphCoverage c = im.coverage(g);
            for (String n : PKG_INDEXES) {
                IndexCoverage ic = index(c, Fixture.PKG, n);
                assertEquals(IndexCoverage.State.PARTIAL, ic.state(), n);
                assertEquals(1000, ic.rowsIndexed());
                assertEquals(1500, ic.rowsTotal());
                assertEquals(1, ic.uncoveredFragments().size());
            }
            ConvergeReport r = im.converge(g, fx.leases);
            r.actions().forEach(a -> assertEquals("INCREMENTAL", a.mode(), a.toString()));
            r.actions().forEach(a -> assertEquals(500, a.rows()));
            r.actions().forEach(a -> assertEquals(CommitStatus.COMMITTED, a.status(), a.toString()));
            assertTrue(r.converged(), r.after().backlog().toString());
            for (String n : PKG_INDEXES) {
                IndexCoverage ic = index(r.after(), Fixture.PKG, n);
                assertEquals(2, ic.segments(), n + " got an extra segment, the first one untouched");
                assertEquals(1500, ic.rowsIndexed());
            }
            assertEquals(15, fx.fts(g, "needle"));
            assertEquals(1, fx.byName(g, 1499));
            assertEquals(10, fx.nearest(g, "font data doc", 10));
        }
    }

    @Test
    void stagedBuildDoesNotBlockAConcurrentWriter() throws Exception {
        Graph g = fx.graph(dir.resolve("concurrent"), 1, 1000);
        CountDownLatch reached = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        IndexFailpoints hold = (kind, point, op) -> {
            if (point.equals("building") && op.endsWith("embedding_ivfpq")) {
                reached.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try (IndexMaintenance im = new IndexMaintenance(fast().failpoints(hold))) {
            long buildPin = fx.pin(g, Fixture.PKG);
            Future<ConvergeReport> running = ex.submit(() -> im.converge(g, fx.leases));
            assertTrue(reached.await(60, TimeUnit.SECONDS), "the build started");

            Optional<BuildProgress> p = im.progress().stream().filter(b -> b.index().equals("embedding_ivfpq")).findFirst();
            assertTrue(p.isPresent(), "progress is exposed while building");
            assertEquals(1000, p.get().rowsTotal());
            BuildProgress shown = index(im.coverage(g), Fixture.PKG, "embedding_ivfpq").building();
            assertNotNull(shown, "the coverage report shows the build in flight");

            long t0 = System.nanoTime();
            GraphWriter.Result w = fx.write(g, 300);
            long writerMillis = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(buildPin + 1, fx.pin(g, Fixture.PKG), "the writer committed and published while the build ran");
            assertTrue(writerMillis < 25_000, "writer not blocked (a blocked one waits its 30 s lease timeout): " + writerMillis + " ms");
            assertFalse(running.isDone(), "the build is still running");

            release.countDown();
            ConvergeReport r = running.get(120, TimeUnit.SECONDS);
            r.actions().forEach(a -> assertEquals(CommitStatus.COMMITTED, a.status(), a.toString()));
            long pin = fx.pin(g, Fixture.PKG);
            assertEquals(buildPin + 2, pin, "the index commit landed right after the writer's version");
            CommitInfo ci = g.tables().commitInfo(TableKey.parse(Fixture.PKG), pin).orElseThrow();
            assertEquals("CreateIndex", ci.operation());
            assertEquals(buildPin, ci.readVersion(), "built on the old pin, rebased over the writer's append");
            for (String n : PKG_INDEXES) {
                IndexCoverage ic = index(r.after(), Fixture.PKG, n);
                assertEquals(IndexCoverage.State.PARTIAL, ic.state(), n + ": the writer's fragment is not covered yet");
                assertEquals(1000, ic.rowsIndexed());
            }
            assertTrue(w.manifestVersion() > 0);
            assertTrue(im.converge(g, fx.leases).converged());
            assertEquals(13, fx.fts(g, "needle"));
        } finally {
            release.countDown();
            ex.shutdownNow();
        }
    }

    @Test
    void driftedIndexesAreRebuiltAndTheirOldSegmentsRemoved() throws Exception {
        Graph g = fx.graph(dir.resolve("drift"), 2, 600);
        try (IndexMaintenance im = new IndexMaintenance(fast())) {
            assertTrue(im.converge(g, fx.leases).converged());
            fx.write(g, 300);
            assertTrue(im.converge(g, fx.leases).converged());
            assertEquals(2, index(im.coverage(g), Fixture.PKG, "description_fts").segments());

            // redefine: FTS with positions, section as BTREE instead of BITMAP
            CatalogResult a = im.addIndex(g, fx.leases, Fixture.PKG, new IndexSpec("description_fts", List.of("description"), "INVERTED",
                    new TreeMap<>(Map.of("with_position", "true")), null, 0));
            assertEquals(CatalogResult.Status.PUBLISHED, a.status(), a.message());
            CatalogResult b = im.addIndex(g, fx.leases, Fixture.PKG, new IndexSpec("section_idx", List.of("section"), "BTREE", null, null, 0));
            assertEquals(CatalogResult.Status.PUBLISHED, b.status(), b.message());

            GraphCoverage c = im.coverage(g);
            IndexCoverage fts = index(c, Fixture.PKG, "description_fts");
            assertEquals(IndexCoverage.State.DRIFTED, fts.state());
            assertTrue(fts.drift().stream().anyMatch(d -> d.contains("with_position")), fts.drift().toString());
            IndexCoverage sec = index(c, Fixture.PKG, "section_idx");
            assertEquals(IndexCoverage.State.DRIFTED, sec.state());
            assertTrue(sec.drift().get(0).contains("type BITMAP, declared BTREE"), sec.drift().toString());
            assertEquals(IndexCoverage.State.COVERED, index(c, Fixture.PKG, "name_idx").state(), "untouched definitions do not drift");

            ConvergeReport r = im.converge(g, fx.leases);
            assertEquals(Set.of("description_fts", "section_idx"), Set.copyOf(r.actions().stream().map(IndexAction::index).toList()));
            r.actions().forEach(x -> assertEquals("REBUILD", x.mode()));
            assertTrue(r.converged(), r.after().backlog().toString());
            assertEquals(1, index(r.after(), Fixture.PKG, "description_fts").segments(), "old segments removed in the same commit");
            assertEquals(1, index(r.after(), Fixture.PKG, "section_idx").segments());
            assertEquals(15, fx.fts(g, "needle"));
            assertEquals(75, fx.bySection(g, "sec-7"));
        }
    }

    @Test
    void vectorIndexWaitsForEnoughRowsToTrain() throws Exception {
        Graph g = fx.graph(dir.resolve("small"), 1, 100);
        try (IndexMaintenance im = new IndexMaintenance(fast())) {
            ConvergeReport r = im.converge(g, fx.leases);
            assertEquals(3, r.actions().size(), r.actions().toString());
            IndexCoverage v = index(r.after(), Fixture.PKG, "embedding_ivfpq");
            assertEquals(IndexCoverage.State.TOO_FEW_ROWS, v.state());
            assertEquals(1.0, v.coverage(), "nothing to build yet");
            assertTrue(r.converged(), "a table too small to train its vector index is caught up, not pending forever");
            assertEquals(List.of(), r.after().backlog());
            assertTrue(r.after().notes().get(0).contains("TOO_FEW_ROWS embedding_ivfpq"), r.after().notes().toString());
            assertEquals(IndexCoverage.State.COVERED, index(r.after(), Fixture.PKG, "name_idx").state());

            fx.write(g, 400); // enough rows now: the index is missing and gets built
            assertEquals(IndexCoverage.State.MISSING, index(im.coverage(g), Fixture.PKG, "embedding_ivfpq").state());
            ConvergeReport built = im.converge(g, fx.leases);
            assertEquals(IndexCoverage.State.COVERED, index(built.after(), Fixture.PKG, "embedding_ivfpq").state());
            assertEquals(List.of(), built.after().notes());
        }
    }
}
