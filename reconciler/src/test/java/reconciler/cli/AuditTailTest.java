package reconciler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.commons.io.input.Tailer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code audit --follow} keeps following across logrotate's rotations (create and copytruncate). */
class AuditTailTest {

    @TempDir
    Path dir;

    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final BlockingQueue<String> notices = new LinkedBlockingQueue<>();
    Tailer tailer;
    Thread thread;

    @AfterEach
    void stop() throws Exception {
        if (tailer != null) {
            tailer.close();
            thread.join(5_000);
        }
    }

    private void start(Path file) throws Exception {
        tailer = AuditTail.follow(file, Duration.ofMillis(20), lines::add, notices::add);
        thread = new Thread(tailer, "audit-tail-test");
        thread.start();
    }

    private static void append(Path f, String... ls) throws Exception {
        StringBuilder b = new StringBuilder();
        for (String l : ls) {
            b.append(l).append('\n');
        }
        Files.writeString(f, b, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** The next {@code n} lines, each awaited for at most 10 s. */
    private List<String> take(int n) throws InterruptedException {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String l = lines.poll(10, TimeUnit.SECONDS);
            assertTrue(l != null, "line " + (i + 1) + " of " + n + " never came; got " + out);
            out.add(l);
        }
        return out;
    }

    @Test
    void followsARenamedAndRecreatedLogEvenWhenTheNewFileIsAlreadyLonger() throws Exception {
        Path log = dir.resolve("audit.jsonl");
        append(log, "r1", "r2");
        start(log);
        assertEquals(List.of("r1", "r2"), take(2));

        append(log, "r3");                       // written just before the rotation
        Files.move(log, dir.resolve("audit.jsonl.1")); // logrotate 'create': rename ...
        append(log, "n1-a-longer-line-than-everything-before", "n2", "n3", "n4"); // ... and a new file
        assertEquals(List.of("r3", "n1-a-longer-line-than-everything-before", "n2", "n3", "n4"), take(5));
        assertTrue(notices.poll(10, TimeUnit.SECONDS).contains("rotated"));
        append(log, "n5");
        assertEquals(List.of("n5"), take(1));
    }

    @Test
    void followsATruncatedLog() throws Exception {
        Path log = dir.resolve("audit.jsonl");
        append(log, "a-long-first-record", "a-long-second-record");
        start(log);
        assertEquals(2, take(2).size());
        Files.write(log, new byte[0], StandardOpenOption.TRUNCATE_EXISTING); // logrotate 'copytruncate'
        append(log, "t1");
        assertEquals(List.of("t1"), take(1));
    }

    @Test
    void waitsForALogThatDoesNotExistYetAndForTheNewFileAfterARename() throws Exception {
        Path log = dir.resolve("audit.jsonl");
        start(log);
        append(log, "first");
        assertEquals(List.of("first"), take(1));
        Files.move(log, dir.resolve("audit.jsonl.1"));
        assertTrue(lines.poll(200, TimeUnit.MILLISECONDS) == null);
        append(log, "after-gap");
        assertEquals(List.of("after-gap"), take(1));
    }

    @Test
    void aLineIsDeliveredOnlyOnceItsNewlineIsWritten() throws Exception {
        Path log = dir.resolve("audit.jsonl");
        Files.writeString(log, "whole\npart", StandardCharsets.UTF_8);
        start(log);
        assertEquals(List.of("whole"), take(1));
        assertTrue(lines.poll(200, TimeUnit.MILLISECONDS) == null, "a partial line is not delivered");
        Files.writeString(log, "ial\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        assertEquals(List.of("partial"), take(1));
    }
}
