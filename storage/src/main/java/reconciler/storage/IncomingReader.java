package reconciler.storage;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * An application's Arrow data on its way to Lance. Batches pass through unchanged (buffers
 * transferred, not copied), except columns holding decimals: Lance's Rust side requires 16-byte
 * aligned decimal buffers and aborts the whole process on a misaligned one (as Arrow Java's IPC
 * readers can produce), so those columns are copied into fresh allocations. Optionally collects each
 * row's key for an upsert; a null or repeated key ends the stream with {@link #refusal} set.
 */
final class IncomingReader extends ArrowReader {
    private final ArrowReader in;
    private final TableKey table;
    private final List<String> keys;
    private final Set<List<Object>> seen;
    private boolean[] copy;
    private long row;
    IllegalArgumentException refusal;

    IncomingReader(BufferAllocator allocator, ArrowReader in, TableKey table, List<String> keys, Set<List<Object>> seen) {
        super(allocator);
        this.in = in;
        this.table = table;
        this.keys = keys;
        this.seen = seen;
    }

    @Override
    public boolean loadNextBatch() throws IOException {
        if (refusal != null || !in.loadNextBatch()) {
            return false;
        }
        VectorSchemaRoot src = in.getVectorSchemaRoot();
        if (keys != null) {
            collectKeys(src);
        }
        VectorSchemaRoot mine = getVectorSchemaRoot();
        if (copy == null) {
            copy = new boolean[src.getFieldVectors().size()];
            for (int c = 0; c < copy.length; c++) {
                copy[c] = holdsDecimals(src.getVector(c).getField());
            }
        }
        int n = src.getRowCount();
        for (int c = 0; c < copy.length; c++) {
            FieldVector from = src.getVector(c);
            FieldVector to = mine.getVector(c);
            if (copy[c]) {
                to.clear();
                to.setInitialCapacity(n);
                to.allocateNew();
                for (int i = 0; i < n; i++) {
                    to.copyFromSafe(i, i, from);
                }
                to.setValueCount(n);
            } else {
                from.makeTransferPair(to).transfer();
            }
        }
        mine.setRowCount(n);
        return true;
    }

    private void collectKeys(VectorSchemaRoot src) {
        List<FieldVector> kv = keys.stream().map(src::getVector).toList();
        for (int i = 0; i < src.getRowCount(); i++, row++) {
            List<Object> key = LanceWrites.key(kv, i);
            if (key.contains(null)) {
                refusal = new IllegalArgumentException("upsert of " + table + ": incoming row " + row + " has a null key " + keys);
                throw refusal;
            }
            if (!seen.add(key)) {
                refusal = new IllegalArgumentException("upsert of " + table + ": key " + key + " appears twice in the incoming rows");
                throw refusal;
            }
        }
    }

    private static boolean holdsDecimals(Field f) {
        if (f.getType() instanceof ArrowType.Decimal) {
            return true;
        }
        return f.getChildren().stream().anyMatch(IncomingReader::holdsDecimals);
    }

    @Override
    public long bytesRead() {
        return in.bytesRead();
    }

    @Override
    protected void closeReadSource() throws IOException {
        in.close();
    }

    @Override
    protected Schema readSchema() throws IOException {
        return in.getVectorSchemaRoot().getSchema();
    }
}
