package reconciler.storage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;
import org.apache.arrow.c.ArrowArrayStream;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.UInt8Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.Text;
import org.lance.Dataset;
import org.lance.Fragment;
import org.lance.FragmentMetadata;
import org.lance.WriteParams;
import org.lance.ipc.LanceScanner;
import org.lance.ipc.ScanOptions;

/**
 * Stages every kind of table write from Arrow data without committing anything
 * ({@link StagedWrite}): data files for new rows ({@code Fragment.create}), deletion files for
 * removed rows ({@code Fragment.deleteRows}). The expensive part of a write happens here, outside
 * any lease; {@link LanceTables#commit} then makes it one Lance version.
 *
 * <p>Deletions are computed against one table version (the manifest pin the writer read): they
 * may only be committed on top of that version, which the commit window checks under the lease
 * ({@link StagedWrite#boundToReadVersion()}).
 */
public final class LanceWrites {

    private final GraphStore store;
    private final BufferAllocator allocator;
    private final BiFunction<TableKey, Long, Dataset> open;

    LanceWrites(GraphStore store, BufferAllocator allocator, BiFunction<TableKey, Long, Dataset> open) {
        this.store = store;
        this.allocator = allocator;
        this.open = open;
    }

    private WriteParams writeParams() {
        return new WriteParams.Builder().withStorageOptions(store.storageOptions()).build();
    }

    /**
     * Stages {@code data} as new rows.
     *
     * @param declared the table's declared columns (the manifest's); {@code data}'s schema must equal them
     * @param data consumed and closed
     * @throws IllegalArgumentException if the schema differs (naming both)
     * @throws IOException if {@code data} cannot be read
     */
    public StagedWrite.Appended stageAppend(TableKey table, List<ColumnSpec> declared, ArrowReader data) throws IOException {
        List<FragmentMetadata> frags = new ArrayList<>();
        long rows = writeFragments(table, declared, data, frags, null, null);
        return new StagedWrite.Appended(frags, rows);
    }

    /**
     * Stages replacing every row of {@code readVersion} by {@code data} (same schema).
     *
     * @throws IllegalArgumentException if the schema differs
     * @throws IOException if {@code data} cannot be read
     */
    public StagedWrite.Overwritten stageOverwrite(TableKey table, List<ColumnSpec> declared, long readVersion, ArrowReader data)
            throws IOException {
        List<FragmentMetadata> frags = new ArrayList<>();
        long rows = writeFragments(table, declared, data, frags, null, null);
        long before;
        try (Dataset ds = open.apply(table, readVersion)) {
            before = ds.countRows();
        }
        return new StagedWrite.Overwritten(frags, LanceTables.arrowSchema(declared), rows, before);
    }

    /**
     * Stages deleting the rows of {@code readVersion} that match {@code predicate} (a Lance SQL filter,
     * e.g. {@code section = 'games'}).
     *
     * @throws IllegalArgumentException if Lance refuses the predicate
     */
    public StagedWrite.Deleted stageDelete(TableKey table, long readVersion, String predicate) {
        try (Dataset ds = open.apply(table, readVersion)) {
            Map<Integer, List<Integer>> offsets = rowAddresses(ds, predicate, null, null);
            List<FragmentMetadata> updated = new ArrayList<>();
            List<Long> removed = new ArrayList<>();
            long n = deleteRows(ds, offsets, updated, removed);
            return new StagedWrite.Deleted(updated, removed, predicate, n);
        }
    }

    /**
     * Stages an upsert: every row of {@code readVersion} whose {@code keys} equal an incoming row's is
     * deleted, and every incoming row is added, in one version.
     *
     * @param keys key columns; incoming keys must be unique and non-null
     * @throws IllegalArgumentException if the schema differs, a key column is unknown, or an incoming key is null or repeated
     * @throws IOException if {@code data} cannot be read
     */
    public StagedWrite.Upserted stageUpsert(TableKey table, List<ColumnSpec> declared, long readVersion, List<String> keys, ArrowReader data)
            throws IOException {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("an upsert of " + table + " needs at least one key column");
        }
        for (String k : keys) {
            if (declared.stream().noneMatch(c -> c.name().equals(k))) {
                throw new IllegalArgumentException("upsert key column '" + k + "' is not a column of " + table);
            }
        }
        Set<List<Object>> incoming = new HashSet<>();
        List<FragmentMetadata> added = new ArrayList<>();
        long rows = writeFragments(table, declared, data, added, keys, incoming);
        try (Dataset ds = open.apply(table, readVersion)) {
            Map<Integer, List<Integer>> offsets = rowAddresses(ds, null, keys, incoming);
            List<FragmentMetadata> updated = new ArrayList<>();
            List<Long> removed = new ArrayList<>();
            long replaced = deleteRows(ds, offsets, updated, removed);
            return new StagedWrite.Upserted(updated, removed, added, rows, replaced);
        }
    }

    /** Writes {@code data} as new fragments (Lance sizes them); collects the incoming keys when asked. */
    private long writeFragments(TableKey table, List<ColumnSpec> declared, ArrowReader data, List<FragmentMetadata> out,
                                List<String> keys, Set<List<Object>> keysOut) throws IOException {
        checkSchema(table, declared, data.getVectorSchemaRoot().getSchema());
        // The application's data may live under another root allocator: pass it on in its own.
        List<FieldVector> vectors = data.getVectorSchemaRoot().getFieldVectors();
        BufferAllocator theirs = vectors.isEmpty() ? allocator : vectors.get(0).getAllocator();
        IncomingReader source = new IncomingReader(theirs, data, table, keys, keysOut);
        try (ArrowArrayStream stream = ArrowArrayStream.allocateNew(theirs)) {
            Data.exportArrayStream(theirs, source, stream);
            LanceNative.load();
            out.addAll(Fragment.create(store.tableUri(table), stream, writeParams()));
        } catch (RuntimeException e) {
            // a refusal thrown inside the stream comes back wrapped by the native writer
            Throwable c = e;
            while (c != null) {
                if (c instanceof IllegalArgumentException iae) {
                    throw iae;
                }
                c = c.getCause();
            }
            if (source.refusal != null) {
                throw source.refusal;
            }
            throw LanceTables.failure(store, "stage data files of", table, e);
        } catch (Exception e) { // Lance also throws java.io.IOException undeclared, through JNI
            throw LanceTables.failure(store, "stage data files of", table, e);
        }
        if (source.refusal != null) {
            throw source.refusal;
        }
        return out.stream().mapToLong(FragmentMetadata::getPhysicalRows).sum();
    }

    static List<Object> key(List<FieldVector> vectors, int row) {
        List<Object> key = new ArrayList<>(vectors.size());
        for (FieldVector v : vectors) {
            Object o = v.getObject(row);
            key.add(o instanceof Text t ? t.toString() : o);
        }
        return key;
    }

    /**
     * Row offsets per fragment id of the rows that match {@code predicate} (when given) and whose
     * key is in {@code keySet} (when given).
     */
    private Map<Integer, List<Integer>> rowAddresses(Dataset ds, String predicate, List<String> keys, Set<List<Object>> keySet) {
        ScanOptions.Builder b = new ScanOptions.Builder().withRowAddress(true).columns(keys == null ? List.of() : keys);
        if (predicate != null) {
            b.filter(predicate);
        }
        Map<Integer, List<Integer>> out = new TreeMap<>();
        try (LanceScanner scanner = ds.newScan(b.build()); ArrowReader r = scanner.scanBatches()) {
            while (r.loadNextBatch()) {
                VectorSchemaRoot root = r.getVectorSchemaRoot();
                UInt8Vector addr = (UInt8Vector) root.getVector("_rowaddr");
                List<FieldVector> kv = keys == null ? null : keys.stream().map(root::getVector).toList();
                for (int i = 0; i < root.getRowCount(); i++) {
                    if (kv != null && !keySet.contains(key(kv, i))) {
                        continue;
                    }
                    long a = addr.getObjectNoOverflow(i).longValue();
                    out.computeIfAbsent((int) (a >>> 32), k -> new ArrayList<>()).add((int) (a & 0xFFFFFFFFL));
                }
            }
        } catch (RuntimeException e) {
            if (predicate != null) {
                throw new IllegalArgumentException("Lance refused the predicate '" + predicate + "': " + e.getMessage(), e);
            }
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("scan of " + ds.uri() + " failed: " + e.getMessage(), e);
        }
        return out;
    }

    private static long deleteRows(Dataset ds, Map<Integer, List<Integer>> offsets, List<FragmentMetadata> updated, List<Long> removed) {
        long n = 0;
        for (Map.Entry<Integer, List<Integer>> e : offsets.entrySet()) {
            Fragment f = new Fragment(ds, e.getKey());
            FragmentMetadata after = f.deleteRows(e.getValue());
            if (after == null) {
                removed.add(e.getKey().longValue());
            } else {
                updated.add(after);
            }
            n += e.getValue().size();
        }
        return n;
    }

    /** @throws IllegalArgumentException unless {@code actual} has exactly the declared columns, in order */
    static void checkSchema(TableKey table, List<ColumnSpec> declared, Schema actual) {
        List<ColumnSpec> got = new ArrayList<>();
        for (Field f : actual.getFields()) {
            got.add(ColumnSpec.of(f));
        }
        if (!got.equals(declared)) {
            throw new IllegalArgumentException("data for table " + table + " has columns " + describe(got) + " but the table declares "
                    + describe(declared));
        }
    }

    private static String describe(List<ColumnSpec> cols) {
        return cols.stream().map(c -> c.name() + ": " + c.type()).toList().toString();
    }
}
