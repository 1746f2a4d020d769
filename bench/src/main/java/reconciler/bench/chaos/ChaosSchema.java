package reconciler.bench.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import reconciler.storage.ColumnSpec;

/**
 * The chaos loop's graph: three small tables whose every row is tagged with the operation that
 * wrote it, so that the rows of one operation can be counted per table at any table version.
 *
 * <p>Tables {@code edge:Link}, {@code node:Left}, {@code node:Right}, each with columns
 * {@code op} (utf8: the operation's ULID) and {@code seq} (int64: 0-based row index within the
 * operation and table). An operation touches one of the four subsets of two or three tables, with
 * 1 to {@value #MAX_ROWS} rows per touched table.
 */
public final class ChaosSchema {

    /** The tables, sorted by key. */
    public static final List<String> TABLES = List.of("edge:Link", "node:Left", "node:Right");
    /** Column holding the operation id. */
    public static final String OP_COLUMN = "op";
    /** Most rows an operation appends to one table. */
    public static final int MAX_ROWS = 4;

    private static final List<ColumnSpec> COLUMNS = List.of(new ColumnSpec(OP_COLUMN, "utf8"), new ColumnSpec("seq", "int64"));
    /** The table subsets an operation may touch (indices into {@link #TABLES}). */
    private static final int[][] SUBSETS = {{0, 1}, {0, 2}, {1, 2}, {0, 1, 2}};

    private ChaosSchema() {
    }

    /** Table key → declared columns, for {@code Graph.init}. */
    public static Map<String, List<ColumnSpec>> schema() {
        Map<String, List<ColumnSpec>> s = new TreeMap<>();
        for (String t : TABLES) {
            s.put(t, COLUMNS);
        }
        return s;
    }

    /**
     * The rows of one operation: a random subset of two or three tables, 1 to {@value #MAX_ROWS}
     * rows each, every row tagged with {@code operationId}.
     *
     * @return table key → rows (column name → value), sorted by table key; never empty
     */
    public static SortedMap<String, List<Map<String, Object>>> operation(String operationId, Random rnd) {
        SortedMap<String, List<Map<String, Object>>> out = new TreeMap<>();
        for (int t : SUBSETS[rnd.nextInt(SUBSETS.length)]) {
            int n = 1 + rnd.nextInt(MAX_ROWS);
            List<Map<String, Object>> rows = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                rows.add(Map.of(OP_COLUMN, operationId, "seq", (long) i));
            }
            out.put(TABLES.get(t), rows);
        }
        return out;
    }
}
