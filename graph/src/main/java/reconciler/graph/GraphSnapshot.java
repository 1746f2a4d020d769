package reconciler.graph;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.vector.types.pojo.Schema;
import org.lance.Dataset;
import org.lance.ipc.FullTextQuery;
import org.lance.ipc.LanceScanner;
import org.lance.ipc.Query;
import org.lance.ipc.ScanOptions;
import reconciler.manifest.Manifest;
import reconciler.storage.LanceTables;
import reconciler.storage.TableKey;

/**
 * Every table of a graph at the versions one manifest version pins: what a reader sees is exactly
 * the published operations up to that version, never a half-published one (a writer's commits
 * after the pin, or a crashed writer's, are invisible here). Reads go through the indexes the
 * daemon converges (rows of fragments an index does not cover yet are still found). Results are
 * Arrow batches ({@link ScanResult}, to be closed).
 *
 * <p>Datasets are opened on first use and closed with the snapshot. Thread-safe for concurrent
 * reads; {@link #close} must not race them.
 */
public final class GraphSnapshot implements AutoCloseable {

    private final Graph graph;
    private final Manifest manifest;
    private final Map<String, Dataset> open = new HashMap<>();

    GraphSnapshot(Graph graph, Manifest manifest) {
        this.graph = graph;
        this.manifest = manifest;
    }

    /** The manifest version this snapshot reads. */
    public long version() {
        return manifest.version();
    }

    /** The manifest it reads (pins, columns, declared indexes). */
    public Manifest manifest() {
        return manifest;
    }

    /** The allocator results live in (and data built from them should use). */
    public org.apache.arrow.memory.BufferAllocator allocator() {
        return graph.tables().allocator();
    }

    /** The graph's tables at this version. */
    public Set<String> tables() {
        return manifest.tables().keySet();
    }

    /** A table's declared Arrow schema. @throws IllegalArgumentException for an unknown table */
    public Schema schema(String table) {
        return LanceTables.arrowSchema(manifest.pin(table).columns());
    }

    /**
     * A scan of {@code table} at its pin.
     *
     * @param columns the columns to return (projection), or empty for all
     * @param filter a Lance SQL filter (e.g. {@code section = 'games' AND installed_size_kib > 100}), or null
     * @param limit at most this many rows, or 0 for all
     * @throws IllegalArgumentException for an unknown table or a filter or column Lance refuses
     */
    public ScanResult scan(String table, List<String> columns, String filter, long limit) {
        ScanOptions.Builder b = new ScanOptions.Builder();
        if (columns != null && !columns.isEmpty()) {
            b.columns(columns);
        }
        if (filter != null && !filter.isBlank()) {
            b.filter(filter);
        }
        if (limit > 0) {
            b.limit(limit);
        }
        return run(table, b.build(), "scan" + (filter == null ? "" : " with filter '" + filter + "'"));
    }

    /** Rows of {@code table} matching {@code filter} (null: every row). @throws IllegalArgumentException as {@link #scan} */
    public long count(String table, String filter) throws IOException {
        if (filter == null || filter.isBlank()) {
            return dataset(table).countRows();
        }
        try (ScanResult r = scan(table, List.of(), filter, 0)) {
            return r.countRemaining();
        }
    }

    /**
     * Point lookup: the rows whose {@code column} equals {@code value} (a {@link String} or a
     * {@link Number}), through a BTREE or BITMAP index where the daemon built one.
     *
     * @throws IllegalArgumentException for an unknown table or column, or another kind of value
     */
    public ScanResult lookup(String table, String column, Object value, List<String> columns) {
        String literal;
        if (value instanceof String s) {
            literal = "'" + s.replace("'", "''") + "'";
        } else if (value instanceof Number n) {
            literal = n.toString();
        } else {
            throw new IllegalArgumentException("lookup value must be a String or a Number, got " + value);
        }
        return scan(table, columns, column + " = " + literal, 0);
    }

    /**
     * Nearest neighbours of {@code query} in a vector column (approximate through an IVF index where
     * the daemon built one, exact otherwise); rows come with a {@code _distance} column.
     *
     * @param k how many
     * @throws IllegalArgumentException for an unknown table or column, or k below 1
     */
    public ScanResult nearest(String table, String column, float[] query, int k, List<String> columns) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        ScanOptions.Builder b = new ScanOptions.Builder().nearest(new Query.Builder().setColumn(column).setKey(query).setK(k)
                .setMinimumNprobes(8).build());
        if (columns != null && !columns.isEmpty()) {
            b.columns(columns);
        }
        return run(table, b.build(), "nearest-neighbour search on " + column);
    }

    /**
     * Full-text search for {@code text} in {@code column} (through an INVERTED index where the daemon
     * built one); rows come with a {@code _score} column, best first.
     *
     * @param limit at most this many rows, or 0 for all
     * @throws IllegalArgumentException for an unknown table or column
     */
    public ScanResult search(String table, String column, String text, long limit, List<String> columns) {
        ScanOptions.Builder b = new ScanOptions.Builder().fullTextQuery(FullTextQuery.match(text, column));
        if (columns != null && !columns.isEmpty()) {
            b.columns(columns);
        }
        if (limit > 0) {
            b.limit(limit);
        }
        return run(table, b.build(), "full-text search on " + column);
    }

    private ScanResult run(String table, ScanOptions options, String what) {
        Dataset ds = dataset(table);
        try {
            return new ScanResult(graph.tables().allocator(), ds.newScan(options));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(what + " of " + table + " at manifest v" + manifest.version() + " refused: "
                    + e.getMessage(), e);
        }
    }

    private synchronized Dataset dataset(String table) {
        long pin = manifest.pin(table).version();
        return open.computeIfAbsent(table, t -> graph.tablesAt(manifest).openAt(TableKey.parse(t), pin));
    }

    @Override
    public synchronized void close() {
        List<RuntimeException> errors = new ArrayList<>();
        for (Dataset ds : open.values()) {
            try {
                ds.close();
            } catch (RuntimeException e) {
                errors.add(e);
            }
        }
        open.clear();
        if (!errors.isEmpty()) {
            throw errors.get(0);
        }
    }
}
