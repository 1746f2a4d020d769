package reconciler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reconciler.writer.DebianImport;
import reconciler.graph.Graph;

/**
 * Usage errors exit {@value Main#USAGE} with a message naming the bad value, before anything is
 * opened or written (docs/operations.md, exit codes); a broken graph root layout is a failure whose
 * message names the path (issue 10, holes 4 and 5). Runs the CLI in this JVM through {@link Main#run}.
 */
class UsageExitCodeTest {

    @TempDir
    Path dir;
    Path root;
    Path config;
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream oldErr;
    PrintStream oldOut;

    @BeforeEach
    void setUp() throws Exception {
        root = dir.resolve("graph");
        try (Graph g = Graph.local(root)) {
            g.init("g", DebianImport.schema());
        }
        config = dir.resolve("empty.yaml");
        Files.writeString(config, "graphs: []\n");
        oldErr = System.err;
        oldOut = System.out;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void tearDown() {
        System.setErr(oldErr);
        System.setOut(oldOut);
    }

    private int run(String... args) {
        err.reset();
        out.reset();
        return Main.run(args);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aMalformedTableKeyInCountIsAUsageError() {
        assertEquals(Main.USAGE, run("graph", "count", root.toString(), "Package", "--config", config.toString()));
        assertTrue(err().contains("Package"), err());
    }

    @Test
    void aTableTheGraphDoesNotHaveInCountIsAUsageErrorListingTheTables() {
        assertEquals(Main.USAGE, run("graph", "count", root.toString(), "node:Nope", "--config", config.toString()));
        assertTrue(err().contains("no table node:Nope") && err().contains("node:Package"), err());
        assertEquals(Main.OK, run("graph", "count", root.toString(), "node:Package", "--config", config.toString()));
        assertEquals("0", out.toString(StandardCharsets.UTF_8).trim());
    }

    @Test
    void outOfRangeImportOptionsAreUsageErrorsAndNothingIsWritten() throws Exception {
        String[][] bad = {
                {"--writers", "0"}, {"--writers", "-2"}, {"--batch", "0"}, {"--skip", "-1"}, {"--limit", "-3"}, {"--crash-op", "0"},
                {"--crash-at", "after-nothing"}, {"--crash-at", "after-commit:0"}, {"--ops", "edges"},
                {"--crash-at", "after-sidecar", "--crash-at", "after-publish"},
        };
        for (String[] opts : bad) {
            String[] args = new String[4 + opts.length + 2];
            args[0] = "graph";
            args[1] = "import-debian";
            args[2] = root.toString();
            args[3] = "--source=/nonexistent";
            System.arraycopy(opts, 0, args, 4, opts.length);
            args[4 + opts.length] = "--config";
            args[5 + opts.length] = config.toString();
            assertEquals(Main.USAGE, run(args), String.join(" ", opts) + ": " + err());
            assertTrue(err().contains(opts[0]), String.join(" ", opts) + ": the message names the option: " + err());
        }
        try (Graph g = Graph.local(root)) {
            assertEquals(1, g.manifests().require().version(), "nothing was published");
            assertTrue(g.sidecars().list().isEmpty());
        }
    }

    @Test
    void demoRefusesZeroWritersBeforeTouchingItsDirectory() {
        Path demoDir = dir.resolve("demo");
        assertEquals(Main.USAGE, run("demo", "--dir", demoDir.toString(), "--writers", "0"));
        assertTrue(err().contains("--writers"), err());
        assertFalse(Files.exists(demoDir));
    }

    @Test
    void aPathThatIsNotAGraphRootIsAUsageError() throws Exception {
        Path nowhere = root.resolveSibling("no-such-graph");
        assertEquals(Main.USAGE, run("status", nowhere.toString(), "--config", config.toString()));
        assertTrue(err().contains("not a graph root"), err());
        assertEquals(Main.USAGE, run("graph", "tables", nowhere.toString(), "--config", config.toString()));
    }

    @Test
    void aSourceWithoutPackageRecordsIsRefusedBeforeAnythingIsWritten() throws Exception {
        Path notPackages = root.resolveSibling("hostname.txt");
        Files.writeString(notPackages, "vm-1\nsome: text\n");
        assertEquals(Main.USAGE, run("graph", "import-debian", root.toString(), "--source", notPackages.toString(), "--config", config.toString()));
        assertTrue(err().contains("holds no Debian package records"), err());
    }

    @Test
    void aDaemonRefusesToJoinAnEmbeddedZooKeeperAnotherProcessServes() throws Exception {
        try (reconciler.leases.EmbeddedZooKeeper other = reconciler.leases.EmbeddedZooKeeper.start(dir.resolve("other-zk"), 0, 100)) {
            Path cfg = dir.resolve("second-daemon.yaml");
            Files.writeString(cfg, "graphs: [" + root + "]\nstateDir: " + dir.resolve("state2") + "\nzookeeper:\n  embeddedPort: " + other.port() + "\n");
            assertEquals(Main.USAGE, run("run", "--config", cfg.toString()));
            assertTrue(err().contains("zookeeper.embeddedPort " + other.port() + " is already served by another process"), err());
        }
    }

    @Test
    void statusOnARootWhoseRecoveryDirectoryIsAFileNamesIt() throws Exception {
        Files.writeString(root.resolve("_recovery"), "not a directory");
        assertEquals(Main.FAILURE, run("status", root.toString(), "--config", config.toString()));
        assertTrue(err().contains("_recovery") && err().contains("not a directory"), err());
        assertFalse(err().contains("Exception"), "no Java class name: " + err());
    }

    @Test
    void helpWorksOnEverySubcommandAndThroughTheHelpCommand() {
        for (String[] cmd : new String[][] {{"status"}, {"run"}, {"graph"}, {"graph", "scan"}, {"graph", "import-debian"},
                {"graph", "mutate-debian"}, {"graph", "index"}, {"maintain"}}) {
            String[] args = java.util.Arrays.copyOf(cmd, cmd.length + 1);
            args[cmd.length] = "--help";
            assertEquals(Main.OK, run(args), String.join(" ", args) + ": " + err());
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("Usage:"), String.join(" ", args));
        }
        assertEquals(Main.OK, run("help", "status"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("Usage: reconciler status"), out.toString(StandardCharsets.UTF_8));
    }
}
