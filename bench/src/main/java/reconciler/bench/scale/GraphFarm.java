package reconciler.bench.scale;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import reconciler.graph.Graph;
import reconciler.storage.ColumnSpec;
import reconciler.writer.DebianImport;

/**
 * Many idle graphs made cheaply: one template graph ({@code graph init}: real Lance tables and
 * manifest v1) copied file by file, each copy's manifest given its own graph id.
 */
public final class GraphFarm {
    private GraphFarm() {
    }

    /**
     * @param tables 4: the Debian schema; otherwise that many one-column tables ({@code node:Item}, or {@code node:T0}...)
     * @return the roots, {@code <dir>/graphs/g<i>}
     */
    public static List<String> make(Path dir, int n, int tables) throws IOException {
        Path template = dir.resolve("template");
        Path made = dir.resolve("graphs").resolve("made-" + n + "x" + tables);
        if (Files.exists(made)) { // made by an earlier run with --dir: reused as they are
            List<String> roots = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                roots.add(dir.resolve("graphs").resolve("g" + i).toString());
            }
            return roots;
        }
        try (Graph g = Graph.local(template)) {
            if (tables == 4) {
                g.init("template", DebianImport.schema());
            } else {
                Map<String, List<ColumnSpec>> schema = new java.util.TreeMap<>();
                for (int t = 0; t < tables; t++) {
                    schema.put(tables == 1 ? "node:Item" : "node:T" + t, List.of(new ColumnSpec("name", "utf8")));
                }
                g.init("template", schema);
            }
        }
        List<Path> files = new ArrayList<>();
        List<Path> dirs = new ArrayList<>();
        try (Stream<Path> w = Files.walk(template)) {
            for (Path p : w.toList()) {
                (Files.isDirectory(p) ? dirs : files).add(template.relativize(p));
            }
        }
        String manifestKey = "_manifest/00000000000000000001.json";
        String manifest = Files.readString(template.resolve(manifestKey));
        List<String> roots = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path root = dir.resolve("graphs").resolve("g" + i);
            for (Path d : dirs) {
                Files.createDirectories(root.resolve(d.toString()));
            }
            for (Path f : files) {
                if (f.toString().equals(manifestKey)) {
                    String own = manifest.replace("\"graphId\" : \"template\"", "\"graphId\" : \"g" + i + "\"");
                    if (own.equals(manifest)) {
                        throw new IllegalStateException("template manifest has no graphId to rewrite");
                    }
                    Files.writeString(root.resolve(manifestKey), own);
                } else {
                    Files.copy(template.resolve(f.toString()), root.resolve(f.toString()));
                }
            }
            roots.add(root.toString());
        }
        Files.createFile(made);
        return roots;
    }
}
