package reconciler.indexer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.lance.Dataset;
import org.lance.ReadOptions;
import org.lance.Tag;
import reconciler.manifest.Manifest;
import reconciler.manifest.TablePin;
import reconciler.storage.TableKey;
import reconciler.graph.Graph;

/** Cleanup never removes a version a retained manifest pins: every retained manifest still opens and reads afterwards. */
class CleanupTest extends FixtureTest {

    static MaintenanceOptions opts(int retain) {
        return fast().targetRowsPerFragment(10_000)
                .retainManifestVersions(retain).retainAge(Duration.ZERO);
    }

    /** manifest version → table → rows at its pin. */
    static Map<Long, Map<String, Long>> rowsAtEveryManifest(Graph g) throws Exception {
        Map<Long, Map<String, Long>> out = new HashMap<>();
        for (Manifest m : g.manifests().history(0)) {
            Map<String, Long> t = new HashMap<>();
            for (Map.Entry<String, TablePin> e : m.tables().entrySet()) {
                t.put(e.getKey(), g.tables().countRows(TableKey.parse(e.getKey()), e.getValue().version()));
            }
            out.put(m.version(), t);
        }
        return out;
    }

    @Test
    void cleanupKeepsWhatBranchesReadAtTheirForkPoints() throws Exception {
        Graph g = fx.graph(dir.resolve("branches"), 1, 100);
        reconciler.graph.GraphBranches branches = new reconciler.graph.GraphBranches(g, fx.leases, Duration.ofSeconds(30),
                reconciler.graph.Failpoints.none());
        branches.create("reader", "main", null); // reads node:Package on main's Lance branch at the fork point, never forks
        branches.create("dev", "main", null);
        Graph dev = g.onBranch("dev");
        fx.write(dev, 10); // forks node:Package onto dev's Lance branch at the fork point
        for (int i = 0; i < 4; i++) {
            fx.write(g, 100);
        }
        long forkPoint = g.onBranch("reader").manifests().require().pin(Fixture.PKG).version();
        assertTrue(forkPoint < g.manifests().require().pin(Fixture.PKG).version());
        try (IndexMaintenance im = new IndexMaintenance(opts(1))) {
            CleanupReport r = im.cleanup(g, fx.leases);
            CleanupReport.TableCleanup pkg = r.tables().stream().filter(t -> t.table().equals(Fixture.PKG)).findFirst().orElseThrow();
            assertEquals(CleanupReport.Status.CLEANED, pkg.status(), pkg.message());
            assertTrue(pkg.versionsRemoved() > 0, "main's unpinned versions are removed: " + pkg.message());
            assertTrue(pkg.protectedVersions().contains(forkPoint), pkg.message());
        }
        IllegalArgumentException cleaned = assertThrows(IllegalArgumentException.class, () -> branches.create("late", "main", 1L));
        assertTrue(cleaned.getMessage().contains("removed by cleanup"), "a branch is never created on pins cleanup removed: "
                + cleaned.getMessage());
        try (reconciler.graph.GraphSnapshot reader = g.onBranch("reader").snapshot(); reconciler.graph.GraphSnapshot d = dev.snapshot()) {
            assertEquals(100, reader.count(Fixture.PKG, null), "the unforked branch still reads main at its fork point");
            assertEquals(110, d.count(Fixture.PKG, null), "the fork still reads the data it shares with main");
        }
        assertEquals(500, g.tables().countRows(TableKey.parse(Fixture.PKG), g.manifests().require().pin(Fixture.PKG).version()));

        // a delete interrupted after its publish (main no longer lists dev) left dev's fork: cleanup reclaims it, and only it
        String devFork = branches.list().get("dev").lanceBranch("dev");
        reconciler.manifest.BranchManifests.publishBranches(g.manifests(), "01M8Z0000000000000000DEL01",
                Manifest.KIND_BRANCH_DELETE, (latest, listed, deleted) -> {
                    listed.remove("dev");
                    deleted.add("dev");
                });
        branches.create("kept", "main", null);
        fx.write(g.onBranch("kept"), 5);
        String keptFork = branches.list().get("kept").lanceBranch("kept");
        assertEquals(List.of(devFork, keptFork), g.tables().branches().list(TableKey.parse(Fixture.PKG)).stream().sorted().toList());
        try (IndexMaintenance im = new IndexMaintenance(opts(1))) {
            CleanupReport.TableCleanup pkg = im.cleanup(g, fx.leases).tables().stream().filter(t -> t.table().equals(Fixture.PKG))
                    .findFirst().orElseThrow();
            assertTrue(pkg.message().startsWith("reclaimed 1 fork(s) of deleted branches"), pkg.message());
        }
        assertEquals(List.of(keptFork), g.tables().branches().list(TableKey.parse(Fixture.PKG)), "a listed branch's fork is kept");
        try (reconciler.graph.GraphSnapshot k = g.onBranch("kept").snapshot()) {
            assertEquals(505, k.count(Fixture.PKG, null));
        }
    }

    @Test
    void cleanupNeverRemovesARetainedPin() throws Exception {
        Graph g = fx.graph(dir.resolve("cleanup"));
        try (IndexMaintenance im = new IndexMaintenance(opts(4))) {
            for (int i = 0; i < 5; i++) {
                fx.write(g, 100);
            }
            assertTrue(im.converge(g, fx.leases).converged());
            assertEquals(CompactionReport.Status.COMMITTED, im.compact(g, fx.leases).tables().stream().filter(t -> t.table().equals(Fixture.PKG))
                    .findFirst().orElseThrow().status());
            fx.write(g, 100);
            fx.write(g, 100);
            Map<Long, Map<String, Long>> before = rowsAtEveryManifest(g);
            Manifest latest = g.manifests().require();

            CleanupReport r = im.cleanup(g, fx.leases);
            assertEquals(List.of(latest.version() - 3, latest.version() - 2, latest.version() - 1, latest.version()), r.retainedManifests());
            CleanupReport.TableCleanup pkg = r.tables().stream().filter(t -> t.table().equals(Fixture.PKG)).findFirst().orElseThrow();
            assertEquals(CleanupReport.Status.CLEANED, pkg.status(), pkg.message());
            assertTrue(pkg.versionsRemoved() > 0, pkg.message());

            // the invariant: every retained manifest version still opens and reads, with the same rows
            TreeSet<Long> retainedPins = new TreeSet<>();
            for (long v : r.retainedManifests()) {
                Manifest m = g.manifests().read(v).orElseThrow();
                for (Map.Entry<String, TablePin> e : m.tables().entrySet()) {
                    assertEquals(before.get(v).get(e.getKey()), g.tables().countRows(TableKey.parse(e.getKey()), e.getValue().version()),
                            "manifest v" + v + " table " + e.getKey() + " pin " + e.getValue().version());
                }
                retainedPins.add(m.pin(Fixture.PKG).version());
            }
            assertEquals(TreeSet.class, retainedPins.getClass());
            // a version no retained manifest pins is gone
            long unpinned = 2;
            assertTrue(!retainedPins.contains(unpinned));
            assertThrows(RuntimeException.class, () -> g.tables().countRows(TableKey.parse(Fixture.PKG), unpinned));
            // retained pins below the latest are protected by tags
            try (Dataset ds = Dataset.open(g.store().tableUri(TableKey.parse(Fixture.PKG)), new ReadOptions.Builder().build())) {
                TreeSet<Long> tagged = new TreeSet<>();
                for (Tag t : ds.tags().list()) {
                    tagged.add(t.getVersion());
                }
                assertEquals(retainedPins.headSet(latest.pin(Fixture.PKG).version()), tagged);
            }
            // queries at the latest pin still use intact index files
            assertEquals(7, fx.fts(g, "needle"));
            assertEquals(1, fx.byName(g, 650));
            assertTrue(im.coverage(g).tables().stream().filter(t -> t.table().equals(Fixture.PKG)).findFirst().orElseThrow().error() == null);
        }
        // shrinking retention drops the tags that protected pins no longer retained
        try (IndexMaintenance im = new IndexMaintenance(opts(1))) {
            CleanupReport r = im.cleanup(g, fx.leases);
            Manifest latest = g.manifests().require();
            assertEquals(List.of(latest.version()), r.retainedManifests());
            CleanupReport.TableCleanup pkg = r.tables().stream().filter(t -> t.table().equals(Fixture.PKG)).findFirst().orElseThrow();
            assertTrue(pkg.tagsDeleted() > 0, pkg.message());
            for (Map.Entry<String, TablePin> e : latest.tables().entrySet()) {
                g.tables().countRows(TableKey.parse(e.getKey()), e.getValue().version());
            }
            assertEquals(700, g.tables().countRows(TableKey.parse(Fixture.PKG), latest.pin(Fixture.PKG).version()));
        }
    }

    @Test
    void cleanupSkipsATableWhileASidecarCoversIt() throws Exception {
        Graph g = fx.graph(dir.resolve("pending"), 2, 300);
        try (IndexMaintenance crashing = new IndexMaintenance(opts(1).failpoints(IndexFailpoints.throwing("index-build:after-sidecar")))) {
            assertThrows(IndexFailpoints.Crash.class, () -> crashing.converge(g, fx.leases));
        }
        assertEquals(1, g.sidecars().list().size(), "the crashed build left its sidecar");
        try (IndexMaintenance im = new IndexMaintenance(opts(1))) {
            CleanupReport r = im.cleanup(g, fx.leases);
            for (CleanupReport.TableCleanup t : r.tables()) {
                if (t.table().equals(Fixture.PKG)) {
                    assertEquals(CleanupReport.Status.SKIPPED, t.status(), t.message());
                    assertTrue(t.message().contains("pending sidecar"), t.message());
                } else {
                    assertEquals(CleanupReport.Status.CLEANED, t.status(), t.message());
                }
            }
            for (long v = 1; v <= fx.pin(g, Fixture.PKG); v++) {
                g.tables().countRows(TableKey.parse(Fixture.PKG), v); // every version of the covered table is still there
            }
            ConvergeReport c = im.converge(g, fx.leases);
            c.actions().forEach(a -> assertEquals(CommitStatus.SKIPPED, a.status(), "a covered table waits for recovery"));
        }
    }
}
