package reconciler.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reconciler.manifest.Manifest;
import reconciler.sidecar.Sidecar;
import reconciler.sidecar.SidecarStore;
import reconciler.storage.CommitProperties;
import reconciler.storage.TableKey;
import reconciler.writer.DebianImport;
import reconciler.graph.DriftException;
import reconciler.graph.Failpoints;
import reconciler.graph.Graph;
import reconciler.writer.GraphWriter;
import reconciler.graph.RecoveryRequiredException;

/**
 * Sidecars that decode but cannot belong to the graph (a table the manifest does not have, a
 * branch that does not exist) are refused like undecodable ones: kept on disk, listed as corrupt in
 * the status, never recovered against main's tables, and they refuse writes (issue 10, holes 2 and 3).
 * Real Lance tables and a real ZooKeeper server.
 */
class RefusedSidecarTest extends RecoveryTestBase {

    static ReconcilePass pass;

    @BeforeAll
    static void start() {
        pass = new ReconcilePass(recoverer(Duration.ofSeconds(5)));
    }

    static Map<String, Object> pkg(String name) {
        return Map.of("name", name, "version", "1", "section", "s", "priority", "optional", "installed_size_kib", 1L,
                "maintainer", "m", "description", "d", DebianImport.EMBEDDING, DebianImport.embedding("d"));
    }

    static Sidecar sidecar(Manifest m, String op, String branch, String table, long token) {
        return new Sidecar(Sidecar.FORMAT_VERSION, op, "import", m.graphId(), branch, m.version(), GraphWriter.identity(), Instant.now(),
                List.of(new Sidecar.SidecarTable(table, m.tables().containsKey(table) ? m.pin(table).version() : 1, token)));
    }

    static void assertRefusedEverywhere(Graph g, String op, String expectedReason) throws Exception {
        GraphStatus st = GraphStatus.of(g);
        assertEquals(List.of(), st.sidecars(), "not a pending sidecar with a decision");
        assertEquals(1, st.corruptSidecars().size(), st.toString());
        assertEquals(SidecarStore.key(op), st.corruptSidecars().get(0).key());
        assertTrue(st.corruptSidecars().get(0).reason().contains(expectedReason), st.corruptSidecars().get(0).reason());
        assertTrue(!st.converged());

        ReconcilePass.Report r = pass.run(g);
        assertEquals(List.of(), r.results(), "nothing recovered, nothing repaired");
        assertTrue(g.store().read(SidecarStore.key(op)).isPresent(), "kept on disk");
        assertEquals(List.of(), AuditLog.readAll(g.store()), "no audit record: nothing was decided");

        GraphWriter w = new GraphWriter(g, leases, "test", Duration.ofSeconds(5), Failpoints.none());
        RecoveryRequiredException e = assertThrows(RecoveryRequiredException.class,
                () -> w.write(GraphWriter.newOperationId(), Map.of(DebianImport.MAINTAINER, List.of(Map.of("name", "n", "email", "e")))));
        assertTrue(e.getMessage().contains("refusing to write") && e.getMessage().contains(expectedReason), e.getMessage());
    }

    @Test
    void aSidecarNamingAnUnknownTableIsRefusedKeptAndRefusesWrites() throws Exception {
        try (Graph g = Graph.local(dir.resolve("unknown-table"))) {
            Manifest m = g.init("unknown-table", DebianImport.schema());
            String op = GraphWriter.newOperationId();
            g.sidecars().write(sidecar(m, op, "main", "node:Nope", 1));
            assertRefusedEverywhere(g, op, "node:Nope");
        }
    }

    /** Before the fix this sidecar was rolled forward onto main's table although it names branch dev. */
    @Test
    void aSidecarOnAnotherBranchIsNeverAppliedToMainsTables() throws Exception, DriftException {
        try (Graph g = Graph.local(dir.resolve("other-branch"))) {
            Manifest m = g.init("other-branch", DebianImport.schema());
            String op = GraphWriter.newOperationId();
            long pin = m.pin(PKG).version();
            g.sidecars().write(sidecar(m, op, "dev", PKG, 1));
            TableKey key = TableKey.parse(PKG);
            long landed = g.tables().commitAppend(key, g.tables().stageAppend(key, m.pin(PKG).columns(), List.of(pkg("p"))), pin,
                    CommitProperties.of(op, 1, CommitProperties.ROLE_WRITER));
            assertEquals(pin + 1, landed);

            assertRefusedEverywhere(g, op, "branch 'dev'");
            assertEquals(pin, g.manifests().require().pin(PKG).version(), "main's pin did not move");
            assertEquals(pin + 1, g.tables().headVersion(key), "main's table was neither rolled forward nor back");
        }
    }
}
