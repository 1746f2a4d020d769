package reconciler.indexer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import reconciler.manifest.IndexSpec;
import reconciler.manifest.Manifest;
import reconciler.manifest.TablePin;
import reconciler.sidecar.Sidecar;
import reconciler.graph.Graph;
import reconciler.writer.GraphWriter;

/** {@code graph index add|drop}: catalog-only publishes under the lease, and the sidecar-protected Lance drop. */
class CatalogTest extends FixtureTest {

    @Test
    void debianCatalogIsDeclaredAtInit() throws Exception {
        Graph g = fx.graph(dir.resolve("init"));
        Manifest m = g.manifests().require();
        TablePin p = m.pin(Fixture.PKG);
        assertEquals(List.of("name_idx", "section_idx", "description_fts", "embedding_ivfpq"), p.indexes().stream().map(IndexSpec::name).toList());
        assertEquals("IVF_PQ", p.index("embedding_ivfpq").type());
        assertEquals("l2", p.index("embedding_ivfpq").params().get("distance"));
        p.indexes().forEach(i -> assertEquals(p.version(), i.declaredAt()));
        String json = new String(g.store().read("_manifest/00000000000000000001.json").orElseThrow());
        assertTrue(json.contains("\"indexes\""), json);
        assertTrue(json.contains("\"vector64\""), json);
        // every declaration is valid for the indexer as it stands
        for (Map.Entry<String, TablePin> e : m.tables().entrySet()) {
            for (IndexSpec s : e.getValue().indexes()) {
                assertEquals(s.params(), IndexSpecs.normalize(s, e.getValue().columns()).params(), s.name() + " is stated in full");
            }
        }
    }

    @Test
    void addPublishesACatalogOnlyVersionUnderTheLease() throws Exception {
        Graph g = fx.graph(dir.resolve("add"), 1, 300);
        try (IndexMaintenance im = new IndexMaintenance(fast())) {
            long pin = fx.pin(g, Fixture.PKG);
            long tokenBefore = g.manifests().require().pin(Fixture.PKG).fencingToken();
            CatalogResult r = im.addIndex(g, fx.leases, Fixture.PKG, new IndexSpec("maintainer_idx", List.of("maintainer"), "BITMAP", null, null, 0));
            assertEquals(CatalogResult.Status.PUBLISHED, r.status(), r.message());
            Manifest m = g.manifests().require();
            assertEquals(r.manifestVersion(), m.version());
            assertEquals(Manifest.KIND_CATALOG, m.kind());
            assertEquals(pin, m.pin(Fixture.PKG).version(), "no pin moves");
            assertEquals(pin, g.tables().headVersion(reconciler.storage.TableKey.parse(Fixture.PKG)), "no Lance effect");
            assertTrue(m.pin(Fixture.PKG).fencingToken() > tokenBefore, "the lease's fencing token is recorded");
            assertEquals(pin, m.pin(Fixture.PKG).index("maintainer_idx").declaredAt());
            assertTrue(g.sidecars().list().isEmpty(), "no sidecar for a catalog-only publish");

            assertEquals(CatalogResult.Status.UNCHANGED, im.addIndex(g, fx.leases, Fixture.PKG,
                    new IndexSpec("maintainer_idx", List.of("maintainer"), "BITMAP", null, null, 0)).status());

            // options only: no redefinition, declaredAt kept
            fx.write(g, 10);
            CatalogResult o = im.addIndex(g, fx.leases, Fixture.PKG, new IndexSpec("embedding_ivfpq", List.of("embedding"), "IVF_PQ",
                    new TreeMap<>(Map.of("distance", "l2", "num_partitions", "16", "num_sub_vectors", "8")),
                    new TreeMap<>(Map.of("max_iters", "5", "sample_rate", "64")), 0));
            assertEquals(CatalogResult.Status.PUBLISHED, o.status(), o.message());
            IndexSpec v = g.manifests().require().pin(Fixture.PKG).index("embedding_ivfpq");
            assertEquals("5", v.options().get("max_iters"));
            assertEquals(1, v.declaredAt(), "an options-only change keeps the declaration");

            ConvergeReport c = im.converge(g, fx.leases);
            assertTrue(c.converged(), c.after().backlog().toString());
            assertEquals(IndexCoverage.State.COVERED, ConvergeTest.index(c.after(), Fixture.PKG, "maintainer_idx").state());
        }
    }

    @Test
    void invalidDeclarationsAreRefused() throws Exception {
        Graph g = fx.graph(dir.resolve("invalid"));
        try (IndexMaintenance im = new IndexMaintenance(fast())) {
            long v = g.manifests().require().version();
            assertThrows(IllegalArgumentException.class, () -> im.addIndex(g, fx.leases, Fixture.PKG,
                    new IndexSpec("x", List.of("name"), "HASH", null, null, 0)));
            assertThrows(IllegalArgumentException.class, () -> im.addIndex(g, fx.leases, Fixture.PKG,
                    new IndexSpec("x", List.of("nope"), "BTREE", null, null, 0)));
            assertThrows(IllegalArgumentException.class, () -> im.addIndex(g, fx.leases, Fixture.PKG,
                    new IndexSpec("x", List.of("name"), "IVF_PQ", null, null, 0)));
            assertThrows(IllegalArgumentException.class, () -> im.addIndex(g, fx.leases, Fixture.PKG,
                    new IndexSpec("x", List.of("embedding"), "IVF_PQ", new TreeMap<>(Map.of("num_sub_vectors", "7")), null, 0)));
            assertThrows(IllegalArgumentException.class, () -> im.addIndex(g, fx.leases, "node:Nope",
                    new IndexSpec("x", List.of("name"), "BTREE", null, null, 0)));
            assertEquals(v, g.manifests().require().version(), "nothing published");
        }
    }

    @Test
    void dropRemovesTheDeclarationAndTheLanceIndex() throws Exception {
        Graph g = fx.graph(dir.resolve("drop"), 1, 400);
        try (IndexMaintenance im = new IndexMaintenance(fast())) {
            assertTrue(im.converge(g, fx.leases).converged());
            long pin = fx.pin(g, Fixture.PKG);
            CatalogResult r = im.dropIndex(g, fx.leases, Fixture.PKG, "section_idx");
            assertEquals(CatalogResult.Status.PUBLISHED, r.status(), r.message());
            assertEquals(CommitStatus.COMMITTED, r.lanceDrop(), r.message());
            Manifest m = g.manifests().require();
            assertEquals(pin + 1, m.pin(Fixture.PKG).version(), "the drop is one labelled CreateIndex version");
            assertEquals(Manifest.KIND_INDEX, m.kind());
            assertTrue(g.sidecars().list().isEmpty());
            GraphCoverage c = im.coverage(g);
            assertTrue(c.tables().stream().flatMap(t -> t.indexes().stream()).noneMatch(i -> i.table().equals(Fixture.PKG)
                    && i.index().equals("section_idx")), "neither declared nor left undeclared in Lance");
            assertTrue(c.converged());
            assertEquals(20, fx.bySection(g, "sec-1"), "queries still answer without the index");

            CatalogResult again = im.dropIndex(g, fx.leases, Fixture.PKG, "section_idx");
            assertEquals(CatalogResult.Status.UNCHANGED, again.status());
            assertEquals(CommitStatus.SKIPPED, again.lanceDrop());
        }
    }

    @Test
    void catalogChangesWaitForRecovery() throws Exception {
        Graph g = fx.graph(dir.resolve("pending"));
        String op = GraphWriter.newOperationId();
        Manifest m = g.manifests().require();
        g.sidecars().write(new Sidecar(Sidecar.FORMAT_VERSION, op, "import", m.graphId(), "main", m.version(), GraphWriter.identity(),
                Instant.now(), List.of(new Sidecar.SidecarTable(Fixture.PKG, m.pin(Fixture.PKG).version(), 0))));
        try (IndexMaintenance im = new IndexMaintenance(fast())) {
            CatalogResult r = im.addIndex(g, fx.leases, Fixture.PKG, new IndexSpec("version_idx", List.of("version"), "BTREE", null, null, 0));
            assertEquals(CatalogResult.Status.REFUSED, r.status());
            assertTrue(r.message().contains("pending sidecar"), r.message());
            assertEquals(m.version(), g.manifests().require().version());
            ConvergeReport c = im.converge(g, fx.leases);
            assertFalse(c.recoveryRequired());
        } finally {
            g.sidecars().delete(op);
        }
    }
}
