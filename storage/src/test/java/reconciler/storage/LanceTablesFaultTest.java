package reconciler.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lance.FragmentMetadata;

/**
 * A Lance commit on a full disk (a size-limited tmpfs filled to ENOSPC between staging and
 * commit; skipped where mounting is not permitted) is a {@link StorageFullException} naming the
 * table's path, leaves HEAD where it was, and succeeds once space returns.
 */
class LanceTablesFaultTest {

    static final TableKey PKG = TableKey.parse("node:Package");
    static final List<ColumnSpec> COLS = List.of(new ColumnSpec("name", "utf8"));

    @TempDir
    Path dir;

    static List<Map<String, Object>> rows(int n) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Map.of("name", "p" + i));
        }
        return out;
    }

    @Test
    void commitOnAFullDiskIsAStorageFullErrorNamingTheTablePath() throws Exception {
        try (Tmpfs fs = Tmpfs.mount(dir.resolve("root"), 8 * 1024)) {
            LocalGraphStore store = new LocalGraphStore(fs.dir());
            try (LanceTables tables = new LanceTables(store)) {
                long v1 = tables.createIfAbsent(PKG, COLS);
                List<FragmentMetadata> staged = tables.stageAppend(PKG, COLS, rows(100));
                fs.fill();
                UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> tables.commitAppend(PKG, staged, v1, Map.of()));
                StorageFullException full = assertInstanceOf(StorageFullException.class, e.getCause());
                assertTrue(full.getMessage().contains("cannot commit to table node:Package at " + store.tableUri(PKG)), full.getMessage());
                assertTrue(full.getMessage().contains("the disk is full"), full.getMessage());
                assertEquals(v1, tables.headVersion(PKG), "no version landed");

                fs.free();
                assertEquals(v1 + 1, tables.commitAppend(PKG, staged, v1, Map.of()), "the staged files commit once space returns");
                assertEquals(100, tables.countRows(PKG, v1 + 1));
            }
        }
    }

    @Test
    void stagingOnAFullDiskNamesTheTablePath() throws Exception {
        try (Tmpfs fs = Tmpfs.mount(dir.resolve("root"), 8 * 1024)) {
            LocalGraphStore store = new LocalGraphStore(fs.dir());
            try (LanceTables tables = new LanceTables(store)) {
                tables.createIfAbsent(PKG, COLS);
                fs.fill();
                UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> tables.stageAppend(PKG, COLS, rows(100)));
                StorageFullException full = assertInstanceOf(StorageFullException.class, e.getCause());
                assertTrue(full.getMessage().contains("cannot stage data files of table node:Package at " + store.tableUri(PKG)), full.getMessage());
            }
        }
    }
}
