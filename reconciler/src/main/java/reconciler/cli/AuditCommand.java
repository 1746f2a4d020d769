package reconciler.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import reconciler.core.AuditRecord;
import reconciler.daemon.Config;
import reconciler.storage.Json;

@Command(name = "audit", mixinStandardHelpOptions = true, description = {"Print the local audit log (one record per recovery outcome).",
        "An unreadable line (a torn write) is reported on stderr and skipped. Exit 0."})
final class AuditCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--follow", description = "keep printing records as they are appended, across log rotation and truncation "
            + "(until interrupted)")
    boolean follow;

    @Option(names = "--graph", paramLabel = "GRAPH", description = "only records of this graph (root path or graph id)")
    String graph;

    @Option(names = "--json", description = "print the JSON lines as stored")
    boolean json;

    @Option(names = "--log", paramLabel = "FILE", description = "audit log file (default: the config's auditLog)")
    Path log;

    @Override
    public Integer call() throws Exception {
        Config cfg = config.load();
        Path file = log != null ? log : Path.of(cfg.auditLog);
        if (follow) {
            // Runs until interrupted (Ctrl-C); survives rotation and truncation (AuditTail).
            AuditTail.follow(file, Duration.ofMillis(200), this::printLine, n -> System.err.println("note: " + n)).run();
            return Main.OK;
        }
        if (!Files.exists(file)) {
            System.err.println("no audit log at " + file + " (no recovery recorded yet)");
            return Main.OK;
        }
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                printLine(line);
            }
        }
        return Main.OK;
    }

    /** Prints one stored line; an unreadable one (a torn write) is reported on stderr and skipped. */
    private void printLine(String line) {
        if (line.isBlank()) {
            return;
        }
        AuditRecord r;
        try {
            r = Json.MAPPER.readValue(line, AuditRecord.class);
        } catch (IOException e) {
            System.err.println("warning: skipping an unreadable audit line (a torn write?): "
                    + (line.length() > 120 ? line.substring(0, 120) + "..." : line));
            return;
        }
        if (graph != null && !graph.equals(r.graphId()) && !Path.of(graph).toAbsolutePath().normalize().toString().equals(r.graphRoot())) {
            return;
        }
        if (json) {
            System.out.println(line);
        } else {
            StringBuilder t = new StringBuilder();
            r.tables().forEach(x -> t.append(' ').append(x.tableKey()).append(' ').append(x.fromVersion()).append("->").append(x.toVersion()));
            System.out.printf("%s %s %s %s manifest=v%d writer=%s@%s:%d%s | %s%n", r.at(), r.graphId(), r.operationId(), r.outcome(),
                    r.manifestVersion(), r.writerKind(), r.writerHost(), r.writerPid(), t, r.reason());
        }
        System.out.flush();
    }
}
