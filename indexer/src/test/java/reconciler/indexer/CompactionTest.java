package reconciler.indexer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import reconciler.manifest.Manifest;
import reconciler.storage.CommitInfo;
import reconciler.storage.CommitProperties;
import reconciler.storage.TableKey;
import reconciler.graph.Graph;

/** Compaction: thresholds, plan/execute outside the lease, a labelled own run under it, indexes remapped and still valid. */
class CompactionTest extends FixtureTest {

    static MaintenanceOptions opts() {
        return fast().targetRowsPerFragment(10_000).minSmallFragments(4);
    }

    @Test
    void compactionKeepsIndexesValidAndRemapped() throws Exception {
        Graph g = fx.graph(dir.resolve("compact"), 6, 200);
        try (IndexMaintenance im = new IndexMaintenance(opts())) {
            assertTrue(im.converge(g, fx.leases).converged());
            fx.write(g, 200);
            assertTrue(im.converge(g, fx.leases).converged());
            long pin = fx.pin(g, Fixture.PKG);

            CompactionReport r = im.compact(g, fx.leases);
            CompactionReport.TableCompaction t = r.tables().stream().filter(x -> x.table().equals(Fixture.PKG)).findFirst().orElseThrow();
            assertEquals(CompactionReport.Status.COMMITTED, t.status(), t.detail());
            assertEquals(7, t.fragmentsBefore());
            // Lance only merges fragments covered by the same index segments: the six of the first build
            // become one, the seventh (covered by the incremental segments) stays on its own.
            assertEquals(2, t.fragmentsAfter(), t.detail());
            assertEquals(pin, t.fromVersion());
            assertEquals(pin + 3, t.toVersion(), "marker + ReserveFragments + Rewrite");
            r.tables().stream().filter(x -> !x.table().equals(Fixture.PKG)).forEach(x -> assertEquals(CompactionReport.Status.NOT_NEEDED, x.status(), x.detail()));

            Manifest m = g.manifests().require();
            assertEquals(Manifest.KIND_COMPACT, m.kind());
            assertEquals(pin + 3, m.pin(Fixture.PKG).version());
            assertEquals(pin + 3, g.tables().headVersion(TableKey.parse(Fixture.PKG)));
            assertTrue(g.sidecars().list().isEmpty());
            CommitInfo marker = g.tables().commitInfo(TableKey.parse(Fixture.PKG), pin + 1).orElseThrow();
            assertEquals("UpdateConfig", marker.operation());
            assertEquals(m.operationId(), marker.property(CommitProperties.OPERATION_ID));
            assertEquals("ReserveFragments", g.tables().commitInfo(TableKey.parse(Fixture.PKG), pin + 2).orElseThrow().operation());

            GraphCoverage c = im.coverage(g);
            assertTrue(c.converged(), "indexes remapped onto the new fragment: " + c.backlog());
            for (String n : ConvergeTest.PKG_INDEXES) {
                IndexCoverage ic = ConvergeTest.index(c, Fixture.PKG, n);
                assertEquals(1400, ic.rowsIndexed(), n);
                assertEquals(List.of(), ic.uncoveredFragments(), n);
            }
            assertEquals(1400, g.tables().countRows(TableKey.parse(Fixture.PKG), m.pin(Fixture.PKG).version()));
            assertEquals(1, fx.byName(g, 1303));
            assertEquals(70, fx.bySection(g, "sec-5"));
            assertEquals(14, fx.fts(g, "needle"));
            assertEquals(10, fx.nearest(g, "perl library", 10));

            // below the thresholds now
            CompactionReport again = im.compact(g, fx.leases);
            again.tables().forEach(x -> assertEquals(CompactionReport.Status.NOT_NEEDED, x.status(), x.detail()));

            // and the indexes keep converging afterwards
            fx.write(g, 100);
            ConvergeReport after = im.converge(g, fx.leases);
            assertTrue(after.converged(), after.after().backlog().toString());
            after.actions().forEach(a -> assertEquals("INCREMENTAL", a.mode()));
        }
    }

    @Test
    void compactionOfUnindexedSmallFragmentsAlsoWorks() throws Exception {
        Graph g = fx.graph(dir.resolve("plain"), 5, 50);
        try (IndexMaintenance im = new IndexMaintenance(opts())) {
            CompactionReport r = im.compact(g, fx.leases);
            CompactionReport.TableCompaction t = r.tables().stream().filter(x -> x.table().equals(Fixture.PKG)).findFirst().orElseThrow();
            assertEquals(CompactionReport.Status.COMMITTED, t.status(), t.detail());
            assertEquals(1, t.fragmentsAfter());
            assertEquals(250, g.tables().countRows(TableKey.parse(Fixture.PKG), fx.pin(g, Fixture.PKG)));
        }
    }
}
