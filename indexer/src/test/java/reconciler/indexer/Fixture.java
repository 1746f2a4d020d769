package reconciler.indexer;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.lance.Dataset;
import org.lance.ReadOptions;
import org.lance.ipc.FullTextQuery;
import org.lance.ipc.LanceScanner;
import org.lance.ipc.Query;
import org.lance.ipc.ScanOptions;
import reconciler.leases.EmbeddedZooKeeper;
import reconciler.leases.LeaseManager;
import reconciler.manifest.Manifest;
import reconciler.storage.TableKey;
import reconciler.writer.DebianImport;
import reconciler.graph.Failpoints;
import reconciler.graph.Graph;
import reconciler.writer.GraphWriter;

/** Real Lance graphs with the Debian schema and catalog, synthetic packages, the real writer, a real ZooKeeper. */
final class Fixture implements AutoCloseable {

    static final String PKG = DebianImport.PACKAGE;
    static final String[] WORDS = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma "
            + "tau upsilon phi chi psi omega library tool daemon kernel python perl font data doc dev").split(" ");

    final EmbeddedZooKeeper zk;
    final LeaseManager leases;
    final List<Graph> graphs = new ArrayList<>();
    private final BufferAllocator allocator = new RootAllocator();
    private final Map<String, Integer> next = new HashMap<>();

    Fixture(Path dir) throws Exception {
        zk = EmbeddedZooKeeper.start(dir.resolve("zk"), 0, 500);
        leases = new LeaseManager(zk.connectString(), Duration.ofSeconds(4), Duration.ofSeconds(10));
    }

    /** A new graph with the Debian schema and its declared indexes. */
    Graph graph(Path root) throws IOException {
        Graph g = Graph.local(root);
        g.init("g" + graphs.size() + "-" + root.getFileName(), DebianImport.schema(), DebianImport.indexes());
        graphs.add(g);
        return g;
    }

    /** A new graph (as {@link #graph(Path)}) with {@code writes} committed writes of {@code rows} packages each. */
    Graph graph(Path root, int writes, int rows) throws Exception {
        Graph g = graph(root);
        for (int i = 0; i < writes; i++) {
            write(g, rows);
        }
        return g;
    }

    /** Synthetic package rows: unique names, 20 sections, 8-word descriptions, their embeddings. */
    List<Map<String, Object>> packages(int n) {
        return packages(0, n);
    }

    /** Packages {@code from .. from + n - 1} (names {@code pkg-<k>}). */
    static List<Map<String, Object>> packages(int from, int n) {
        Random r = new Random(from);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = from + i;
            StringBuilder d = new StringBuilder();
            for (int w = 0; w < 8; w++) {
                d.append(WORDS[r.nextInt(WORDS.length)]).append(' ');
            }
            if (k % 100 == 0) {
                d.append("needle");
            }
            Map<String, Object> row = new HashMap<>();
            row.put("name", "pkg-" + k);
            row.put("version", "1." + k);
            row.put("section", "sec-" + (k % 20));
            row.put("priority", "optional");
            row.put("installed_size_kib", (long) k);
            row.put("maintainer", "m" + (k % 7));
            row.put("description", d.toString().trim());
            row.put("embedding", DebianImport.embedding(d.toString()));
            rows.add(row);
        }
        return rows;
    }

    /** Appends {@code n} packages through the reference writer (one operation, one new fragment). */
    GraphWriter.Result write(Graph g, int n) throws Exception {
        GraphWriter w = new GraphWriter(g, leases, "test", Duration.ofSeconds(30), Failpoints.none());
        int from = next.getOrDefault(g.store().root(), 0);
        next.put(g.store().root(), from + n);
        return w.write(GraphWriter.newOperationId(), Map.of(PKG, packages(from, n)));
    }

    long pin(Graph g, String table) throws IOException {
        return g.manifests().require().pin(table).version();
    }

    Dataset atPin(Graph g, String table) throws IOException {
        Manifest m = g.manifests().require();
        return Dataset.open(allocator, g.store().tableUri(TableKey.parse(table)), new ReadOptions.Builder().setVersion(m.pin(table).version()).build());
    }

    static long count(Dataset ds, ScanOptions.Builder o) throws Exception {
        long n = 0;
        try (LanceScanner s = ds.newScan(o.build()); ArrowReader r = s.scanBatches()) {
            while (r.loadNextBatch()) {
                n += r.getVectorSchemaRoot().getRowCount();
            }
        }
        return n;
    }

    /** Rows with {@code name = 'pkg-k'} at the pin. */
    long byName(Graph g, int k) throws Exception {
        try (Dataset ds = atPin(g, PKG)) {
            return count(ds, new ScanOptions.Builder().filter("name = 'pkg-" + k + "'").columns(List.of("name")));
        }
    }

    long bySection(Graph g, String section) throws Exception {
        try (Dataset ds = atPin(g, PKG)) {
            return count(ds, new ScanOptions.Builder().filter("section = '" + section + "'").columns(List.of("name")));
        }
    }

    /** Full-text hits of a word in description at the pin. */
    long fts(Graph g, String word) throws Exception {
        try (Dataset ds = atPin(g, PKG)) {
            return count(ds, new ScanOptions.Builder().fullTextQuery(FullTextQuery.match(word, "description")).columns(List.of("name")));
        }
    }

    /** Nearest neighbours of the embedding of {@code text}: k results. */
    long nearest(Graph g, String text, int k) throws Exception {
        try (Dataset ds = atPin(g, PKG)) {
            return count(ds, new ScanOptions.Builder().nearest(new Query.Builder().setColumn("embedding").setKey(DebianImport.embedding(text))
                    .setK(k).setMinimumNprobes(4).build()).columns(List.of("name")));
        }
    }

    @Override
    public void close() {
        graphs.forEach(Graph::close);
        leases.close();
        zk.close();
        allocator.close();
    }
}
