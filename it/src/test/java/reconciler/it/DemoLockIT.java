package reconciler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two demos in one directory would delete each other's graph: the second one is refused. */
class DemoLockIT {

    @Test
    void demoRefusesADirectoryAnotherDemoIsUsing(@TempDir Path dir) throws Exception {
        Path demoDir = dir.resolve("demo");
        try (FileChannel ch = FileChannel.open(dir.resolve("demo.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock held = ch.lock()) {
            Harness.Run r = new Harness.Runner().run(List.of("demo", "--dir", demoDir.toString(), "--limit", "10"));
            assertEquals(2, r.exitCode(), r.text());
            assertTrue(r.text().contains("error: another 'reconciler demo' is running in " + demoDir), r.text());
            assertFalse(Files.exists(demoDir), "the running demo's directory is left alone");
        }
    }
}
