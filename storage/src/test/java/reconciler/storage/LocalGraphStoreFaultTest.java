package reconciler.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Disk faults of {@link LocalGraphStore} on a real file system: a size-limited tmpfs filled to
 * ENOSPC (skipped where mounting is not permitted), and a broken directory layout. Every failure
 * is a typed {@link StorageException} naming the path, leaves no temp file and no partial object.
 */
class LocalGraphStoreFaultTest {

    @TempDir
    Path dir;

    @Test
    void createOnAFullDiskIsAStorageFullErrorNamingThePathAndLeavesNothing() throws Exception {
        try (Tmpfs fs = Tmpfs.mount(dir.resolve("root"), 64)) {
            LocalGraphStore store = new LocalGraphStore(fs.dir());
            Files.createDirectories(fs.dir().resolve("_recovery"));
            assertTrue(fs.fill() > 0);
            byte[] data = new byte[8192];
            StorageFullException e = assertThrows(StorageFullException.class, () -> store.createIfAbsent("_recovery/a.json", data));
            assertTrue(e.getMessage().contains(fs.dir().resolve("_recovery/a.json").toString()), e.getMessage());
            assertTrue(e.getMessage().contains("the disk is full"), e.getMessage());
            assertEquals(fs.dir().resolve("_recovery/a.json").toString(), e.path());
            assertEquals(List.of(), Tmpfs.allNames(fs.dir().resolve("_recovery")), "no partial object, no temp file");

            fs.free();
            assertTrue(store.createIfAbsent("_recovery/a.json", data), "converges once space returns");
            assertArrayEquals(data, store.read("_recovery/a.json").orElseThrow());
            assertEquals(List.of("a.json"), Tmpfs.allNames(fs.dir().resolve("_recovery")));
        }
    }

    @Test
    void replaceOnAFullDiskKeepsTheOldContentAndLeavesNoTempFile() throws Exception {
        try (Tmpfs fs = Tmpfs.mount(dir.resolve("root"), 64)) {
            LocalGraphStore store = new LocalGraphStore(fs.dir());
            store.replace("_manifest/latest-hint", "7".getBytes(UTF_8));
            fs.fill();
            StorageFullException e = assertThrows(StorageFullException.class,
                    () -> store.replace("_manifest/latest-hint", new byte[8192]));
            assertTrue(e.getMessage().contains(fs.dir().resolve("_manifest/latest-hint").toString()), e.getMessage());
            assertEquals("7", new String(store.read("_manifest/latest-hint").orElseThrow(), UTF_8));
            assertEquals(List.of("latest-hint"), Tmpfs.allNames(fs.dir().resolve("_manifest")));

            fs.resize(256); // growing the file system gives space back without deleting the filler
            store.replace("_manifest/latest-hint", "8".getBytes(UTF_8));
            assertEquals("8", new String(store.read("_manifest/latest-hint").orElseThrow(), UTF_8));
        }
    }

    @Test
    void aProtocolDirectoryThatIsNotADirectoryIsAStorageErrorNamingThePath() throws Exception {
        LocalGraphStore store = new LocalGraphStore(dir);
        Files.writeString(dir.resolve("_audit"), "not a directory");
        StorageException e = assertThrows(StorageException.class, () -> store.createIfAbsent("_audit/x.rolled_back.json", new byte[1]));
        assertTrue(e.getMessage().contains("cannot create " + dir.resolve("_audit/x.rolled_back.json")), e.getMessage());
        assertInstanceOf(java.nio.file.FileSystemException.class, e.getCause());
        assertEquals("not a directory", Files.readString(dir.resolve("_audit")), "nothing overwritten");
    }

    @Test
    void failureNamesThePathAndTheReasonOfAnAccessError() {
        Path p = dir.resolve("_manifest/00000000000000000002.json");
        StorageException e = LocalGraphStore.failure("create", p, new java.nio.file.AccessDeniedException(dir.resolve("_manifest").toString()));
        assertEquals("cannot create " + p + ": permission denied (at " + dir.resolve("_manifest") + ")", e.getMessage());
        assertInstanceOf(StorageFullException.class, LocalGraphStore.failure("create", p, new java.io.IOException("No space left on device")));
    }
}
