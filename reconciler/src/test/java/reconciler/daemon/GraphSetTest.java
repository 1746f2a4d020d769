package reconciler.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reconciler.graph.Graph;
import reconciler.writer.DebianImport;

/** First-pass progress is counted as graphs are checked and retired (O(1) per call), and never double-counts. */
class GraphSetTest {

    @Test
    void progressCountsLiveCheckedGraphsThroughChecksAndRetirements(@TempDir Path dir) throws Exception {
        List<Path> roots = new ArrayList<>();
        for (String name : List.of("a", "b", "c")) {
            Path root = dir.resolve(name);
            try (Graph g = Graph.local(root)) {
                g.init(name, DebianImport.schema());
            }
            roots.add(root);
        }
        Config config = TestConfigs.quiet(dir, "127.0.0.1:1", roots.toArray(Path[]::new)).build();
        GraphSet set = new GraphSet();
        try {
            List<GraphHandle> h = new ArrayList<>();
            for (Path root : roots) {
                h.add(set.open(root.toString(), config));
            }
            assertArrayEquals(new int[] {0, 3}, set.firstPassProgress());
            set.checked(h.get(0));
            set.checked(h.get(0));
            assertArrayEquals(new int[] {1, 3}, set.firstPassProgress(), "a second check of one graph counts once");
            set.retire(h.get(0));
            set.retire(h.get(0));
            assertArrayEquals(new int[] {0, 2}, set.firstPassProgress(), "a retired checked graph leaves both counts, once");
            set.retire(h.get(1));
            set.checked(h.get(1));
            assertArrayEquals(new int[] {0, 1}, set.firstPassProgress(), "a check after retirement does not count");
            set.checked(h.get(2));
            assertArrayEquals(new int[] {1, 1}, set.firstPassProgress());
        } finally {
            set.closeAll();
        }
    }
}
