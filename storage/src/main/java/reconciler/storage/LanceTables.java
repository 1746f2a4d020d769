package reconciler.storage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.lance.Dataset;
import org.lance.Fragment;
import org.lance.FragmentMetadata;
import org.lance.ReadOptions;
import org.lance.Transaction;
import org.lance.WriteParams;
import org.lance.operation.Append;
import org.lance.operation.Restore;

/**
 * Lance access for the tables of one graph root: create, head version, staged appends committed
 * with transaction properties, restore, per-version commit info and row counts.
 *
 * <p>Rules from {@code shared/reference/lance-java-notes.md}: a commit with a stale read version
 * is rebased onto HEAD rather than refused, so callers must check HEAD against the manifest pin
 * (under their lease) before committing, and verify the version a commit landed at. Lance
 * conflicts surface as {@link RuntimeException}.
 *
 * <p>The native library (~175 MB unpacked on every JVM start) is loaded on the first call that needs
 * Lance ({@link LanceNative#load}, which also unlinks the unpacked copy), not when a graph is opened:
 * a daemon's idle passes read HEADs from version names and never need it, so 10,000 graphs start
 * without paying for it.
 *
 * <p>Not thread-safe for concurrent {@link #close}; other methods may be called from several threads.
 */
public final class LanceTables implements AutoCloseable {


    private final GraphStore store;
    private final BufferAllocator allocator;
    private final boolean ownsAllocator;

    private final LanceWrites writes;

    /** @param store the graph root whose tables to access */
    public LanceTables(GraphStore store) {
        this(store, new RootAllocator(), true);
    }

    private LanceTables(GraphStore store, BufferAllocator allocator, boolean ownsAllocator) {
        this.store = store;
        this.allocator = allocator;
        this.ownsAllocator = ownsAllocator;
        this.writes = new LanceWrites(store, allocator, this::open);
    }

    /**
     * The same tables resolved to Lance branches ({@link LanceBranchStore}): every method of the view
     * reads, stages, commits and restores on the table's Lance branch. Shares this instance's allocator;
     * closing the view releases nothing.
     *
     * @param lanceBranchOf the Lance branch of each table, or null for Lance's main branch
     */
    public LanceTables onLanceBranches(java.util.function.Function<TableKey, String> lanceBranchOf) {
        return new LanceTables(new LanceBranchStore(store, lanceBranchOf), allocator, false);
    }

    /** The Lance branches of this graph's table datasets: create, list, delete ({@link LanceBranches}). */
    public LanceBranches branches() {
        return new LanceBranches(store, allocator, this);
    }

    /** Staging of appends, deletes, upserts and overwrites from Arrow data ({@link LanceWrites}). */
    public LanceWrites writes() {
        return writes;
    }

    /**
     * Opens the table read-only at {@code version} (the caller closes it): the one place datasets of
     * a graph are opened for reading at a pin.
     *
     * @throws RuntimeException from Lance if the table or version does not exist
     */
    public Dataset openAt(TableKey table, long version) {
        return open(table, version);
    }

    /** The allocator the tables' Arrow data lives in (readers returned by scans use it). */
    public BufferAllocator allocator() {
        return allocator;
    }

    private WriteParams writeParams() {
        return new WriteParams.Builder().withStorageOptions(store.storageOptions()).build();
    }

    private Dataset open(TableKey table, Long version) {
        return open(store, allocator, table, version);
    }

    /**
     * Opens a table of the graph behind {@code store} at {@code version} ({@code null}: its latest Lance
     * version) with the store's credentials, in {@code allocator}; the caller closes it. The one place
     * the project opens a Lance dataset (the indexer and the daemon's inspections included), so every
     * open is counted ({@code lance.open}) and carries the store's options.
     *
     * @throws RuntimeException from Lance if the table or the version does not exist
     */
    public static Dataset open(GraphStore store, BufferAllocator allocator, TableKey table, Long version) {
        return open(allocator, store.tableUri(table), store.storageOptions(), version);
    }

    /**
     * {@link #open(GraphStore, BufferAllocator, TableKey, Long)} by dataset URI: a Lance branch's
     * ({@code tree/<branch>}), or a table's in a process that has no {@link GraphStore} (the
     * low-priority build worker, which is sent the URI and the store's options).
     *
     * @param storageOptions the store's options (credentials, endpoint); empty for a local root
     * @throws RuntimeException from Lance if the dataset or the version does not exist
     */
    public static Dataset open(BufferAllocator allocator, String uri, Map<String, String> storageOptions, Long version) {
        LanceNative.load();
        StorageStats.count("lance.open");
        ReadOptions.Builder ro = new ReadOptions.Builder().setStorageOptions(storageOptions);
        if (version != null) {
            ro.setVersion(version);
        }
        return Dataset.open(allocator, uri, ro.build());
    }

    /** Arrow schema for declared columns ({@link ColumnSpec#field()}). */
    public static Schema arrowSchema(List<ColumnSpec> columns) {
        List<Field> fields = new ArrayList<>();
        for (ColumnSpec c : columns) {
            fields.add(c.field());
        }
        return new Schema(fields);
    }

    /**
     * Creates the table as an empty dataset (version 1) if it does not exist.
     *
     * @return the table's latest version after the call
     * @throws RuntimeException from Lance on a storage error
     */
    public long createIfAbsent(TableKey table, List<ColumnSpec> columns) {
        if (exists(table)) {
            return headVersion(table);
        }
        LanceNative.load();
        try (Dataset ds = Dataset.create(allocator, store.tableUri(table), arrowSchema(columns), writeParams())) {
            return ds.version();
        }
    }

    /** Whether the table's dataset exists. */
    public boolean exists(TableKey table) {
        try (Dataset ds = open(table, null)) {
            return true;
        } catch (RuntimeException e) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("not found") || m.contains("Not found") || m.contains("does not exist")) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Lance HEAD (latest version) of the table, read from the names under its {@code _versions/}
     * through the graph's store instead of a dataset open (lance-java has no cheaper latest-version
     * call: {@code Dataset.open} lists the same directory and also reads the manifest and more;
     * {@link VersionNames}). One listing request per table, also on S3 ({@code MaxKeys}).
     *
     * @throws java.io.UncheckedIOException on a storage error
     * @throws RuntimeException if the table has no version (it does not exist), like Lance's open
     */
    public long headVersion(TableKey table) {
        try {
            return VersionNames.head(store, table);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read the latest version of table " + table + " at "
                    + store.tableUri(table) + ": " + e.getMessage(), e);
        }
    }

    /**
     * The transaction that produced {@code version}.
     *
     * @return the commit info, or empty if Lance recorded no transaction for that version
     * @throws RuntimeException from Lance if the version does not exist
     */
    public Optional<CommitInfo> commitInfo(TableKey table, long version) {
        try (Dataset ds = open(table, version)) {
            Optional<Transaction> tx;
            try {
                tx = ds.readTransaction();
            } catch (RuntimeException e) {
                // lance-java 7.0.0 fails to decode some Rewrite transactions (lance-java-notes.md).
                return Optional.of(new CommitInfo(version, CommitInfo.UNREADABLE, 0, Map.of()));
            }
            if (tx.isEmpty()) {
                return Optional.empty();
            }
            try (Transaction t = tx.get()) {
                return Optional.of(new CommitInfo(version, t.operation().name(), t.readVersion(),
                        Map.copyOf(t.transactionProperties().orElse(Map.of()))));
            }
        }
    }

    /**
     * Writes data files for {@code rows} without committing (a staged append). The files are
     * invisible until {@link #commitAppend}; abandoned ones are reclaimed by cleanup.
     *
     * @param rows each row maps column name to a {@link String}, a {@link Number}, for {@code vector64}
     *     columns a {@code float[]} (or list of numbers) of 64 values, or {@code null}
     * @throws IllegalArgumentException if a row holds a column that is not declared
     */
    public List<FragmentMetadata> stageAppend(TableKey table, List<ColumnSpec> columns, List<Map<String, Object>> rows) {
        if (rows.isEmpty()) {
            return List.of();
        }
        try (VectorSchemaRoot root = VectorSchemaRoot.create(arrowSchema(columns), allocator)) {
            root.allocateNew();
            for (Map<String, Object> row : rows) {
                for (String k : row.keySet()) {
                    if (root.getVector(k) == null) {
                        throw new IllegalArgumentException("table " + table + " has no column '" + k + "'");
                    }
                }
            }
            for (ColumnSpec c : columns) {
                FieldVector v = root.getVector(c.name());
                for (int i = 0; i < rows.size(); i++) {
                    Object val = rows.get(i).get(c.name());
                    if (v instanceof FixedSizeListVector fl) {
                        setVector(fl, i, val, table, c.name());
                    } else if (v instanceof BigIntVector b) {
                        if (val == null) {
                            b.setNull(i);
                        } else {
                            b.setSafe(i, ((Number) val).longValue());
                        }
                    } else {
                        VarCharVector s = (VarCharVector) v;
                        if (val == null) {
                            s.setNull(i);
                        } else {
                            s.setSafe(i, val.toString().getBytes(StandardCharsets.UTF_8));
                        }
                    }
                }
                if (v instanceof FixedSizeListVector fl) {
                    fl.getDataVector().setValueCount(rows.size() * fl.getListSize());
                }
                v.setValueCount(rows.size());
            }
            root.setRowCount(rows.size());
            try {
                LanceNative.load();
                return Fragment.create(store.tableUri(table), allocator, root, writeParams());
            } catch (Exception e) { // Lance also throws java.io.IOException undeclared, through JNI
                throw failure("stage data files of", table, e);
            }
        }
    }

    /** Sets row {@code i} of a {@code vector64} column from a {@code float[]} or a list of numbers (null: a null vector). */
    private static void setVector(FixedSizeListVector fl, int i, Object val, TableKey table, String column) {
        int dim = fl.getListSize();
        Float4Vector data = (Float4Vector) fl.getDataVector();
        if (val == null) {
            fl.setNull(i);
            for (int d = 0; d < dim; d++) {
                data.setSafe(i * dim + d, 0f);
            }
            return;
        }
        float[] f;
        if (val instanceof float[] arr) {
            f = arr;
        } else if (val instanceof List<?> list) {
            f = new float[list.size()];
            for (int d = 0; d < f.length; d++) {
                f[d] = ((Number) list.get(d)).floatValue();
            }
        } else {
            throw new IllegalArgumentException("table " + table + " column '" + column + "' needs a float[] or a list of numbers");
        }
        if (f.length != dim) {
            throw new IllegalArgumentException("table " + table + " column '" + column + "' needs " + dim + " values, got " + f.length);
        }
        fl.setNotNull(i);
        for (int d = 0; d < dim; d++) {
            data.setSafe(i * dim + d, f[d]);
        }
    }

    /**
     * Commits staged fragments as one Append read at {@code readVersion}, carrying
     * {@code properties}. Lance rebases a stale read version onto HEAD, so the returned version
     * is where the commit really landed; callers compare it with {@code readVersion + 1}.
     *
     * @return the new table version
     * @throws java.io.UncheckedIOException wrapping a {@link StorageException} (a {@link StorageFullException} for a full
     *     disk) that names the table and its path, on any Lance error (conflict, storage)
     */
    public long commitAppend(TableKey table, List<FragmentMetadata> fragments, long readVersion, Map<String, String> properties) {
        return commitOperation(table, readVersion, Append.builder().fragments(fragments).build(), properties, "commit to");
    }

    /**
     * Commits a staged write as one Lance version read at {@code readVersion}, carrying
     * {@code properties}. Lance rebases a stale read version onto HEAD, so the returned version is
     * where the commit really landed; callers compare it with {@code readVersion + 1}.
     *
     * @return the new table version
     * @throws java.io.UncheckedIOException wrapping a {@link StorageException} (a {@link StorageFullException} for a full
     *     disk) that names the table and its path, on any Lance error (conflict, storage)
     */
    public long commit(TableKey table, StagedWrite write, long readVersion, Map<String, String> properties) {
        org.lance.operation.Operation op = write.operation();
        try {
            return commitOperation(table, readVersion, op, properties, "commit to");
        } finally {
            op.release(); // an Overwrite exports its schema through the C data interface
        }
    }

    /**
     * The one commit path: opens the table at {@code readVersion} (HEAD when null), commits {@code op}
     * read at that version with {@code properties}, and returns the version it landed at.
     */
    private long commitOperation(TableKey table, Long readVersion, org.lance.operation.Operation op,
                                 Map<String, String> properties, String verb) {
        try (Dataset ds = open(table, readVersion)) {
            try (Dataset committed = ds.newTransactionBuilder()
                    .readVersion(ds.version())
                    .operation(op)
                    .transactionProperties(properties)
                    .build()
                    .commit()) {
                return committed.version();
            }
        } catch (Exception e) { // Lance also throws java.io.IOException undeclared, through JNI
            throw failure(verb, table, e);
        }
    }

    /**
     * Creates the table from an Arrow schema as an empty dataset (version 1) if it does not exist.
     *
     * @return the table's latest version after the call
     * @throws RuntimeException from Lance on a storage error
     */
    public long createIfAbsent(TableKey table, Schema schema) {
        if (exists(table)) {
            return headVersion(table);
        }
        LanceNative.load();
        try (Dataset ds = Dataset.create(allocator, store.tableUri(table), schema, writeParams())) {
            return ds.version();
        }
    }

    /**
     * A Lance error as an unchecked {@link StorageException} naming the table and its path (Lance's
     * own messages name neither, e.g. "Unable to copy data to file: No space left on device (os
     * error 28)"); a full disk is a {@link StorageFullException}.
     */
    java.io.UncheckedIOException failure(String op, TableKey table, Exception e) {
        return failure(store, op, table, e);
    }

    /** {@link #failure(String, TableKey, Exception)} for the tables of {@code store}. */
    static java.io.UncheckedIOException failure(GraphStore store, String op, TableKey table, Exception e) {
        String uri = store.tableUri(table);
        String msg = "cannot " + op + " table " + table + " at " + uri + ": " + e.getMessage();
        StorageException se = LocalGraphStore.isDiskFull(msg) || msg.contains("(os error 28)") || msg.contains("(os error 122)")
                ? new StorageFullException(msg + " - the disk is full", uri, e) : new StorageException(msg, e);
        return new java.io.UncheckedIOException(se.getMessage(), se);
    }

    /**
     * Appends a new version whose content equals {@code targetVersion} (Lance Restore), read at
     * the current HEAD. History is not rewritten. A concurrent Append loses to a Restore, which is
     * why callers must hold the table's lease.
     *
     * @return the new table version
     * @throws java.io.UncheckedIOException wrapping a {@link StorageException} naming the table and its path
     */
    public long restore(TableKey table, long targetVersion, Map<String, String> properties) {
        return commitOperation(table, null, Restore.builder().version(targetVersion).build(), properties, "restore");
    }

    /** Rows visible at {@code version}. @throws RuntimeException from Lance */
    public long countRows(TableKey table, long version) {
        try (Dataset ds = open(table, version)) {
            return ds.countRows();
        }
    }

    @Override
    public void close() {
        if (ownsAllocator) {
            allocator.close();
        }
    }
}
