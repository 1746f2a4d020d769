package reconciler.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The extracted copies of the native libraries (Lance, Arrow C data) do not outlive their loading. */
class LanceNativeTest {

    @Test
    void extractedLibraryIsUnlinkedOnceMapped() throws Exception {
        Path maps = Path.of("/proc/self/maps");
        assumeTrue(Files.isReadable(maps), "needs /proc/self/maps (Linux)");
        // the first Lance call of LanceTables loads the libraries through LanceNative
        try (LanceTables t = new LanceTables(new LocalGraphStore(Files.createTempDirectory("lance-native")))) {
            assertFalse(t.exists(TableKey.parse("node:Nothing")));
        }
        List<String> mapped = Files.readAllLines(maps).stream().filter(l -> l.contains("lance_jni") || l.contains("/jnilib-")).toList();
        assertTrue(mapped.stream().anyMatch(l -> l.contains("lance_jni")), "the Lance native library is mapped: " + mapped);
        assertTrue(mapped.stream().anyMatch(l -> l.contains("/jnilib-")), "Arrow's C data library is mapped: " + mapped);
        List<String> live = mapped.stream().filter(l -> !l.endsWith("(deleted)")).toList();
        assertEquals(List.of(), live, "mappings whose file still exists in the temporary directory");
        assertEquals(List.of(), LanceNative.load(), "a second call finds nothing to do");
    }

    @Test
    void extractedCopiesAreRecognisedByName() {
        assertTrue(LanceNative.isExtractedCopy("liblance_jni9706014509020256105.so"));
        assertTrue(LanceNative.isExtractedCopy("jnilib-11024862240125154933.tmp"));
        assertFalse(LanceNative.isExtractedCopy("libsnappyjava.so"));
        assertFalse(LanceNative.isExtractedCopy("liblance_jni.so (deleted)"));
        assertFalse(LanceNative.isExtractedCopy("jnilib-notes.txt"));
    }
}
