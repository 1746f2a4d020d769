package reconciler.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import reconciler.core.GraphStatus;
import reconciler.core.ReconcilePass;
import reconciler.daemon.Config;
import reconciler.daemon.Daemon;
import reconciler.manifest.Manifest;
import reconciler.storage.TableKey;
import reconciler.writer.DebianArchive;
import reconciler.graph.Graph;

@Command(name = "demo", mixinStandardHelpOptions = true, description = {
        "Quick start: import the Debian archive into a fresh graph with concurrent writer processes, crash writers",
        "at every failpoint and with SIGKILL, and watch the reconciler heal the graph (status before/after, audit lines).",
        "Exit 0 if the graph converged with exactly the published operations' rows."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--dir", defaultValue = "var/demo", description = "working directory, recreated (default ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--limit", defaultValue = "-1", description = "packages to import (default: the whole archive)")
    int limit;

    @Option(names = "--writers", defaultValue = "3", description = "concurrent writer processes in the bulk import (default ${DEFAULT-VALUE})")
    int writers;

    @Option(names = "--source", description = "uncompressed Packages or dpkg status file (default: apt's index)")
    Path source;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private static final int CRASH_SLICE = 200;
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());

    @Override
    public Integer call() throws Exception {
        Usage.atLeast(spec, "--writers", writers, 1);
        Usage.atLeast(spec, "--limit", limit, -1);
        dir = dir.toAbsolutePath().normalize();
        Path marker = dir.resolve(".reconciler-demo");
        if (Files.exists(dir) && !Files.exists(marker)) {
            System.err.println("error: " + dir + " exists and is not a demo directory; choose another --dir");
            return Main.USAGE;
        }
        // The directory is recreated, so the lock lives beside it; the OS drops it when this process dies.
        Files.createDirectories(dir.getParent());
        Path lockFile = dir.resolveSibling(dir.getFileName() + ".lock");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(lockFile,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
             java.nio.channels.FileLock lock = ch.tryLock()) {
            if (lock == null) {
                System.err.println("error: another 'reconciler demo' is running in " + dir + " (lock " + lockFile
                        + "); wait for it or choose another --dir");
                return Main.USAGE;
            }
            return runDemo(marker);
        }
    }

    private int runDemo(Path marker) throws Exception {
        org.apache.commons.io.FileUtils.deleteDirectory(dir.toFile()); // nothing when absent
        Files.createDirectories(dir);
        Files.createFile(marker);
        Path root = dir.resolve("debian");
        Path cfgFile = dir.resolve("reconciler.yaml");
        Files.writeString(cfgFile, String.join("\n",
                "# written by 'reconciler demo'",
                "graphs:", "  - " + root, "stateDir: " + dir.resolve("state"), "auditLog: " + dir.resolve("audit.jsonl"),
                "pollInterval: 1h", "leaseWait: 30s",
                "zookeeper:", "  embeddedPort: " + freePort(), "  sessionTimeout: 2s", ""));
        Config cfg = Config.load(cfgFile);

        List<DebianArchive.Package> archive = source != null ? DebianArchive.readFile(source)
                : DebianArchive.readSystemArchive(l -> System.out.println("archive " + l));
        int total = limit < 0 ? archive.size() : Math.min(limit, archive.size());
        int bulk = Math.max(0, total - 3 * CRASH_SLICE);
        List<String> src = source != null ? List.of("--source", source.toString()) : List.of();

        try (Daemon daemon = new Daemon(cfg); Graph graph = Graph.local(root)) {
            heading("1. create the graph (the daemon hosts an embedded ZooKeeper; config " + cfgFile + ")");
            child("init", List.of("graph", "init", root.toString(), "--graph-id", "debian"));

            heading("2. bulk import of " + bulk + " packages by " + writers + " concurrent writer processes");
            long t0 = System.nanoTime();
            List<String> args = new ArrayList<>(List.of("graph", "import-debian", root.toString(), "--config", cfgFile.toString(),
                    "--writers", Integer.toString(writers), "--limit", Integer.toString(bulk), "--batch", Integer.toString(Math.max(500, bulk / (writers * 4) + 1))));
            args.addAll(src);
            child("import", args);
            System.out.printf("bulk import took %.1f s%n", (System.nanoTime() - t0) / 1e9);
            Printer.status(System.out, GraphStatus.of(graph));

            String[][] rounds = {
                    {"after-commit:1", "after-commit:2"},
                    {"after-publish", "after-sidecar"},
                    {"SIGKILL", "after-sidecar-delete"}};
            int skip = bulk;
            for (int r = 0; r < rounds.length; r++) {
                heading("3." + (r + 1) + " crash round: a packages writer halts at " + rounds[r][0] + ", a maintainers writer at " + rounds[r][1]);
                List<Thread> ts = new ArrayList<>();
                String[] ops = {"packages", "maintainers"};
                for (int w = 0; w < 2; w++) {
                    List<String> a = new ArrayList<>(List.of("graph", "import-debian", root.toString(), "--config", cfgFile.toString(),
                            "--skip", Integer.toString(skip), "--limit", Integer.toString(CRASH_SLICE), "--batch", Integer.toString(CRASH_SLICE),
                            "--ops", ops[w]));
                    a.addAll(src);
                    String fp = rounds[r][w];
                    if (!fp.equals("SIGKILL")) {
                        a.addAll(List.of("--crash-at", fp));
                    }
                    String label = ops[w] + "-writer";
                    Thread t = new Thread(() -> {
                        try {
                            if (fp.equals("SIGKILL")) {
                                sigkillMidWrite(label, a, root.resolve("_recovery"));
                            } else {
                                child(label, a);
                            }
                        } catch (Exception e) {
                            System.out.println(label + ": " + e);
                        }
                    });
                    t.start();
                    ts.add(t);
                }
                for (Thread t : ts) {
                    t.join();
                }
                skip += CRASH_SLICE;
                System.out.println("-- status before the reconciler runs:");
                Printer.status(System.out, GraphStatus.of(graph));
                System.out.println("-- reconciler pass:");
                ReconcilePass.Report rep = daemon.runOnce().get(0);
                rep.results().forEach(x -> System.out.println("   sidecar " + x.operationId() + ": " + x.status() + " " + x.message()));
                System.out.println("-- status after:");
                Printer.status(System.out, rep.status());
            }

            heading("4. audit log (" + cfg.auditLog + ")");
            for (String l : Files.readAllLines(Path.of(cfg.auditLog))) {
                System.out.println(l);
            }

            heading("5. verification: rows visible at the pins == rows of the operations the manifest published");
            boolean ok = verify(graph);

            heading("6. mutations through the graph library: a section removal halted after its first of 3 commits, a priority"
                    + " raise halted after its commit");
            ok &= mutations(graph, daemon, root, cfgFile);

            heading("7. branches: a branch written by a writer halted after its commit, healed on the branch, merged into main;"
                    + " a branch deleted with a crashed writer's sidecar pending, which the reconciler discards exactly once");
            ok &= BranchDemo.run(graph, daemon, daemon.coordination().leases(), root, cfgFile, this::child);
            List<Long> idle = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                long s = System.nanoTime();
                ReconcilePass.Report rep = daemon.runOnce().get(0);
                idle.add((System.nanoTime() - s) / 1000);
                ok &= rep.converged();
            }
            Collections.sort(idle);
            System.out.printf("idle pass over the converged graph: median %.1f ms (5 passes)%n", idle.get(2) / 1000.0);
            System.out.println(ok ? "DEMO OK: the graph converged" : "DEMO FAILED");
            return ok ? Main.OK : Main.NOT_CONVERGED;
        }
    }

    private boolean verify(Graph graph) throws IOException {
        Map<String, Map<String, Long>> planned = WriterLines.planned(lines);
        List<String> acked = WriterLines.acked(lines);
        Map<String, Long> expected = new TreeMap<>();
        List<String> visibleOps = new ArrayList<>();
        for (Manifest m : graph.manifests().history(1)) {
            if (m.kind().equals(Manifest.KIND_WRITE) || m.kind().equals(Manifest.KIND_ROLL_FORWARD)) {
                visibleOps.add(m.operationId());
                planned.getOrDefault(m.operationId(), Map.of()).forEach((t, n) -> expected.merge(t, n, Long::sum));
            }
        }
        boolean ok = visibleOps.containsAll(acked);
        System.out.printf("operations planned %d, acknowledged %d, visible %d (the difference was rolled back, aborted or killed before publishing)%n",
                planned.size(), acked.size(), visibleOps.size());
        Manifest m = graph.manifests().require();
        for (String t : m.tables().keySet()) {
            long rows = graph.tables().countRows(TableKey.parse(t), m.pin(t).version());
            long exp = expected.getOrDefault(t, 0L);
            System.out.printf("  %-20s %8d rows visible, %8d expected %s%n", t, rows, exp, rows == exp ? "OK" : "MISMATCH");
            ok &= rows == exp;
        }
        return ok;
    }

    /** Step 6: one crashed mutation rolled back, one rolled forward; true if both ended as they must. */
    private boolean mutations(Graph graph, Daemon daemon, Path root, Path cfgFile) throws Exception {
        String section;
        Map<String, Integer> bySection = new TreeMap<>();
        try (reconciler.graph.GraphSnapshot snap = graph.snapshot();
             reconciler.graph.ScanResult r = snap.scan(reconciler.writer.DebianImport.PACKAGE, List.of("section"), null, 0)) {
            while (r.loadNextBatch()) {
                org.apache.arrow.vector.FieldVector v = r.getVectorSchemaRoot().getVector("section");
                for (int i = 0; i < v.getValueCount(); i++) {
                    bySection.merge(String.valueOf(v.getObject(i)), 1, Integer::sum);
                }
            }
        }
        if (bySection.isEmpty()) {
            System.out.println("no packages: mutations skipped");
            return true;
        }
        section = bySection.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        Map<String, Long> before = mutationCounts(graph, section);
        boolean converged = true;
        String[][] steps = {{"remove-section", "--remove-section"}, {"raise-priority", "--raise-priority"}};
        for (String[] step : steps) {
            child(step[0], List.of("graph", "mutate-debian", root.toString(), step[1], section, "--config", cfgFile.toString()),
                    Map.of("RECONCILER_FAILPOINT", "after-commit:1"));
            System.out.println("-- status before the reconciler runs:");
            Printer.status(System.out, GraphStatus.of(graph));
            System.out.println("-- reconciler pass:");
            ReconcilePass.Report rep = daemon.runOnce().get(0);
            rep.results().forEach(x -> System.out.println("   sidecar " + x.operationId() + ": " + x.status() + " " + x.message()));
            converged &= rep.converged();
        }
        Map<String, Long> after = mutationCounts(graph, section);
        boolean removalRolledBack = after.get("section").equals(before.get("section"));
        boolean raiseRolledForward = after.get("important") > before.get("important") && after.get("packages").equals(before.get("packages"));
        System.out.printf("section '%s': %d packages before, %d after (the removal was rolled back: %s)%n", section, before.get("section"),
                after.get("section"), removalRolledBack ? "OK" : "MISMATCH");
        System.out.printf("priority 'important': %d packages before, %d after (the raise was rolled forward: %s)%n", before.get("important"),
                after.get("important"), raiseRolledForward ? "OK" : "MISMATCH");
        return removalRolledBack && raiseRolledForward && converged;
    }

    /** Packages, packages of priority 'important', and packages of {@code section}, at the latest manifest. */
    private static Map<String, Long> mutationCounts(Graph graph, String section) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        String pkg = reconciler.writer.DebianImport.PACKAGE;
        try (reconciler.graph.GraphSnapshot s = graph.snapshot()) {
            out.put("packages", s.count(pkg, null));
            out.put("important", s.count(pkg, "priority = 'important'"));
            out.put("section", s.count(pkg, "section = '" + section.replace("'", "''") + "'"));
        }
        return out;
    }

    private void sigkillMidWrite(String label, List<String> args, Path sidecarDir) throws Exception {
        Process p = start(args);
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = r.readLine()) != null) {
            echo(label, line);
            if (line.startsWith("PLAN op=")) {
                // Kill at a random moment after the writer's sidecar appears: anywhere in phases B-D.
                Path sidecar = sidecarDir.resolve(line.split(" ")[1].substring(3) + ".json");
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (!Files.exists(sidecar) && p.isAlive() && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                Thread.sleep(ThreadLocalRandom.current().nextInt(0, 8));
                p.destroyForcibly();
                echo(label, "<killed with SIGKILL by the demo>");
                break;
            }
        }
        p.waitFor();
    }

    private void child(String label, List<String> args) throws Exception {
        child(label, args, Map.of());
    }

    private void child(String label, List<String> args, Map<String, String> env) throws Exception {
        Process p = start(args, env);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                echo(label, line);
            }
        }
        int rc = p.waitFor();
        echo(label, "exited " + rc + (rc == reconciler.graph.Failpoints.EXIT_CODE ? " (halted at its failpoint)" : ""));
    }

    private void echo(String label, String line) {
        lines.add(line);
        if (line.contains("PLAN op=") || line.contains("ACK op=") || line.contains("FAILPOINT") || line.contains("REFUSED")
                || line.contains("exited") || line.contains("initialised") || line.contains("killed") || line.contains("ERROR")) {
            synchronized (System.out) {
                System.out.println("  [" + label + "] " + line);
            }
        }
    }

    private static Process start(List<String> args) throws IOException {
        return start(args, Map.of());
    }

    private static Process start(List<String> args, Map<String, String> env) throws IOException {
        List<String> cmd = new ArrayList<>(GraphCommand.javaCommand());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("LANCE_LOG", "error");
        pb.environment().putAll(env);
        return pb.start();
    }

    private static void heading(String s) {
        System.out.println();
        System.out.println("== " + s);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
