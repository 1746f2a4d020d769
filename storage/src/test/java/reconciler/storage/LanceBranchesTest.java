package reconciler.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lance branches of a table's dataset through {@link LanceTables}: fork, write on the fork, reclaim. */
class LanceBranchesTest {

    static final TableKey PKG = TableKey.parse("node:Package");
    static final List<ColumnSpec> COLS = List.of(new ColumnSpec("name", "utf8"), new ColumnSpec("size", "int64"));

    @TempDir
    Path dir;

    LanceTables tables;

    @BeforeEach
    void setUp() {
        tables = new LanceTables(new LocalGraphStore(dir));
        tables.createIfAbsent(PKG, COLS);
        tables.commitAppend(PKG, tables.stageAppend(PKG, COLS, List.of(Map.of("name", "a"))), 1, Map.of());
    }

    @AfterEach
    void tearDown() {
        tables.close();
    }

    @Test
    void aForkIsWrittenAloneAndReclaimedIdempotently() {
        tables.branches().create(PKG, null, 2, "dev.X");
        tables.branches().create(PKG, null, 2, "dev.X"); // a retried fork is accepted
        assertEquals(List.of("dev.X"), tables.branches().list(PKG));
        LanceTables dev = tables.onLanceBranches(t -> "dev.X");
        assertEquals(2, dev.headVersion(PKG), "a fork starts at the version it was made from");
        long landed = dev.commitAppend(PKG, dev.stageAppend(PKG, COLS, List.of(Map.of("name", "b"))), 2, Map.of("k", "v"));
        assertEquals(3, landed);
        assertEquals(2, dev.countRows(PKG, 3));
        assertEquals(2, tables.headVersion(PKG), "main's dataset does not move");
        assertEquals(1, tables.countRows(PKG, 2));
        assertEquals("v", dev.commitInfo(PKG, 3).orElseThrow().properties().get("k"));
        assertThrows(IllegalStateException.class, () -> tables.branches().create(PKG, null, 2, "dev.X"),
                "a fork that moved is not taken for a fresh one");

        tables.branches().create(PKG, "dev.X", 3, "sub.Y");
        assertEquals(2, tables.onLanceBranches(t -> "sub.Y").countRows(PKG, 3), "a fork of a fork sees its parent's rows");

        assertTrue(tables.branches().delete(PKG, "sub.Y"));
        assertFalse(tables.branches().delete(PKG, "sub.Y"), "deleting twice is a no-op");
        assertEquals(List.of("dev.X"), tables.branches().list(PKG));
        dev.close();
        assertEquals(1, tables.countRows(PKG, 2), "closing a view releases nothing of its parent");
    }
}
