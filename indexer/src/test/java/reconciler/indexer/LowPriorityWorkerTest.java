package reconciler.indexer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import reconciler.graph.Graph;

/**
 * Writers first: staged builds and compaction rewrites in a child process under nice 19 and the
 * idle I/O class ({@link LowPriorityWorker}) give the same result as in-process, and the child
 * really ran at that priority (it reports its own nice value and I/O class).
 */
class LowPriorityWorkerTest extends FixtureTest {

    static LowPriorityWorker worker() {
        return LowPriorityWorker.of(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                TestStagedWorkerMain.class.getName()), 19, true);
    }

    @Test
    void buildsIncrementsAndCompactionRunInALowPriorityChildWithTheSameResult() throws Exception {
        Graph g = fx.graph(dir.resolve("worker"));
        for (int i = 0; i < 6; i++) {
            fx.write(g, 200);
        }
        LowPriorityWorker w = worker();
        assertTrue(w.toString().contains("nice 19"), w.toString());
        try (IndexMaintenance im = new IndexMaintenance(CompactionTest.opts())) {
            im.setWorker(w);
            ConvergeReport r = im.converge(g, fx.leases);
            assertEquals(4, r.actions().size(), r.actions().toString());
            r.actions().forEach(a -> assertEquals(CommitStatus.COMMITTED, a.status(), a.toString()));
            assertTrue(r.converged(), r.after().backlog().toString());
            assertTrue(w.lastPriority().startsWith("19 "), "the child ran at nice 19: " + w.lastPriority());
            if (w.toString().contains("ionice idle")) {
                assertEquals("19 idle", w.lastPriority());
            }
            assertEquals(1, fx.byName(g, 123));
            assertTrue(fx.fts(g, "needle") > 0);
            assertEquals(10, fx.nearest(g, "kernel python daemon", 10));

            fx.write(g, 200); // incremental: one more segment per index, the vector model the child trained reused
            ConvergeReport inc = im.converge(g, fx.leases);
            inc.actions().forEach(a -> assertEquals("INCREMENTAL", a.mode(), a.toString()));
            inc.actions().forEach(a -> assertEquals(CommitStatus.COMMITTED, a.status(), a.toString()));
            assertTrue(inc.converged(), inc.after().backlog().toString());

            long pin = fx.pin(g, Fixture.PKG);
            CompactionReport c = im.compact(g, fx.leases);
            CompactionReport.TableCompaction t = c.tables().stream().filter(x -> x.table().equals(Fixture.PKG)).findFirst().orElseThrow();
            assertEquals(CompactionReport.Status.COMMITTED, t.status(), t.detail());
            assertEquals(pin + 3, t.toVersion(), "marker + ReserveFragments + Rewrite");
            assertFalse(t.fragmentsAfter() >= t.fragmentsBefore(), t.detail());
            GraphCoverage after = im.coverage(g);
            assertTrue(after.converged(), "indexes remapped onto the rewritten fragments: " + after.backlog());
            assertEquals(1, fx.byName(g, 123));
            assertEquals(10, fx.nearest(g, "kernel python daemon", 10));
        }
    }
}
