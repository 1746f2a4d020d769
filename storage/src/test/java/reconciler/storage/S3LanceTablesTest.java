package reconciler.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.lance.FragmentMetadata;

/**
 * {@link LanceTables} on an S3 root: Lance reaches s3proxy through
 * {@link S3GraphStore#tableUri} and {@link S3GraphStore#storageOptions}, built from the same
 * settings as the protocol-state client.
 */
class S3LanceTablesTest {

    static final TableKey PKG = TableKey.parse("node:Package");
    static final List<ColumnSpec> COLS = List.of(new ColumnSpec("name", "utf8"), new ColumnSpec("size", "int64"));
    static final String OP = "01JABCDEFGHJKMNPQRSTVWXYZ0";

    @RegisterExtension
    static final S3TestServer.PerClass S3 = S3TestServer.perClass(() -> S3TestServer.startTransient("lance"));
    static S3GraphStore store;
    static LanceTables tables;

    @BeforeAll
    static void start() {
        store = S3.server().store("graph-1");
        tables = new LanceTables(store);
    }

    @AfterAll
    static void stop() throws Exception {
        Closeables.closeAll(tables, store);
    }

    @Test
    void createStageCommitAndReadBackThroughS3() throws Exception {
        assertFalse(tables.exists(PKG));
        assertEquals(1, tables.createIfAbsent(PKG, COLS));
        assertTrue(tables.exists(PKG));
        assertEquals(1, tables.headVersion(PKG));

        List<FragmentMetadata> frags = tables.stageAppend(PKG, COLS, List.of(
                Map.of("name", "a", "size", 1L), Map.of("name", "b", "size", 2L), Map.of("name", "c")));
        assertEquals(1, tables.headVersion(PKG), "staging commits nothing");
        assertEquals(2, tables.commitAppend(PKG, frags, 1, CommitProperties.of(OP, 5, CommitProperties.ROLE_WRITER)));

        assertEquals(2, tables.headVersion(PKG));
        assertEquals(3, tables.countRows(PKG, 2));
        assertEquals(0, tables.countRows(PKG, 1));
        CommitInfo c = tables.commitInfo(PKG, 2).orElseThrow();
        assertEquals("Append", c.operation());
        assertEquals(1, c.readVersion());
        assertEquals(OP, c.property(CommitProperties.OPERATION_ID));
        assertEquals(5, CommitProperties.fencingToken(c));

        // The dataset really lives in the bucket under the graph prefix.
        List<String> versions = S3.server().raw().listObjectsV2(r -> r.bucket("lance").prefix("graph-1/tables/node-Package.lance/_versions/"))
                .contents().stream().map(o -> o.key()).toList();
        assertEquals(2, versions.size(), versions.toString());
        // Protocol state and tables share the root without interfering.
        assertTrue(store.createIfAbsent("_manifest/00000000000000000001.json", "{}".getBytes()));
        assertEquals(List.of("00000000000000000001.json"), store.list("_manifest"));
        assertEquals(List.of(), store.list("tables"), "table datasets are directories, not listed objects");
    }

    /** HEAD from one short listing of V2 version names (MaxKeys) agrees with Lance past the listing's length. */
    @Test
    void headFromVersionNamesIsLancesLatestOnS3() throws Exception {
        TableKey t = TableKey.parse("node:Heads");
        long v = tables.createIfAbsent(t, COLS);
        for (int i = 0; i < VersionNames.FIRST + 3; i++) {
            v = tables.commitAppend(t, tables.stageAppend(t, COLS, List.of(Map.of("name", "r" + i))), v,
                    CommitProperties.of(OP, 1, CommitProperties.ROLE_WRITER));
        }
        assertEquals(VersionNames.FIRST + 4, v);
        try (org.lance.Dataset ds = tables.openAt(t, 1)) {
            assertEquals(ds.latestVersion(), tables.headVersion(t));
        }
        assertEquals(List.of(VersionNames.FIRST + 4L, VersionNames.FIRST + 3L),
                store.listFirst(VersionNames.dir(store, t), 2).stream().map(n -> VersionNames.v2(n).getAsLong()).toList(), "newest first");
    }

    @Test
    void versionNamesOfBothSchemes() {
        assertEquals(1, VersionNames.v2("18446744073709551614.manifest").getAsLong());
        assertEquals(12, VersionNames.v1("12.manifest").getAsLong());
        assertTrue(VersionNames.v2("12.manifest").isEmpty());
        assertTrue(VersionNames.v1("18446744073709551614.manifest").isEmpty());
        assertTrue(VersionNames.v2("18446744073709551614.manifest.tmp").isEmpty());
        assertTrue(VersionNames.v1("x.manifest").isEmpty());
    }
}
