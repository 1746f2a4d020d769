package reconciler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reconciler.core.AuditRecord;
import reconciler.storage.Json;

/** {@code reconciler audit}: a torn line is reported and skipped, never hides the records after it. */
class AuditCommandTest {

    @TempDir
    Path dir;

    static String line(String op) throws Exception {
        return Json.LINE.writeValueAsString(new AuditRecord(AuditRecord.FORMAT_VERSION, "graph-1", "/graphs/g1", op, AuditRecord.ROLLED_FORWARD,
                "import", "host-a", 4242, 7, List.of(new AuditRecord.TableOutcome("node:Package", 3, 4, "OWN_COMMIT")), "reason",
                "daemon-1:1", Instant.parse("2025-03-04T05:06:07Z")));
    }

    @Test
    void aTornLineIsReportedAndSkipped() throws Exception {
        Path log = dir.resolve("audit.jsonl");
        Files.writeString(log, line("01JAAAAAAAAAAAAAAAAAAAAAAA") + "\n{\"formatVersion\":1,\"gra\n" + line("01JBBBBBBBBBBBBBBBBBBBBBBB") + "\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        int code;
        System.setOut(new PrintStream(out, true));
        System.setErr(new PrintStream(err, true));
        try {
            code = Main.run("audit", "--log", log.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        assertEquals(0, code, err.toString());
        assertTrue(out.toString().contains("01JAAAAAAAAAAAAAAAAAAAAAAA") && out.toString().contains("01JBBBBBBBBBBBBBBBBBBBBBBB"), out.toString());
        assertTrue(err.toString().contains("skipping an unreadable audit line"), err.toString());
    }
}
