package reconciler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The docs stay true to the CLI: every command picocli knows is documented (README.md or docs/*.md). */
class CliDocsTest {

    static void walk(CommandLine c, String prefix, List<String> out) {
        for (Map.Entry<String, CommandLine> e : c.getSubcommands().entrySet()) {
            if (e.getKey().equals("help")) {
                continue; // picocli's own
            }
            String path = (prefix + " " + e.getKey()).strip();
            out.add(path);
            walk(e.getValue(), path, out);
        }
    }

    @Test
    void everyCommandIsDocumented() throws Exception {
        StringBuilder docs = new StringBuilder(Files.readString(Path.of("..", "README.md")));
        try (Stream<Path> s = Files.list(Path.of("..", "docs"))) {
            for (Path p : s.filter(p -> p.toString().endsWith(".md")).toList()) {
                docs.append(Files.readString(p));
            }
        }
        List<String> commands = new ArrayList<>();
        walk(new CommandLine(new Main()), "", commands);
        List<String> missing = commands.stream()
                .filter(c -> !docs.toString().contains("`" + c) && !docs.toString().contains("`reconciler " + c)).toList();
        assertEquals(List.of(), missing, "commands without documentation (a `command ...` entry in README.md or docs/)");
    }
}
