package reconciler.graph;

import java.io.IOException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.lance.ipc.LanceScanner;

/**
 * The Arrow batches of one snapshot read. Closing it releases the native scanner as well as the
 * batches; the caller must close it (try-with-resources). Batches are handed over without copying.
 */
public final class ScanResult extends ArrowReader {
    private final LanceScanner scanner;
    private final ArrowReader in;

    ScanResult(BufferAllocator allocator, LanceScanner scanner) {
        super(allocator);
        this.scanner = scanner;
        this.in = scanner.scanBatches();
    }

    @Override
    public boolean loadNextBatch() throws IOException {
        if (!in.loadNextBatch()) {
            return false;
        }
        VectorSchemaRoot src = in.getVectorSchemaRoot();
        VectorSchemaRoot mine = getVectorSchemaRoot();
        for (int c = 0; c < src.getFieldVectors().size(); c++) {
            src.getVector(c).makeTransferPair(mine.getVector(c)).transfer();
        }
        mine.setRowCount(src.getRowCount());
        return true;
    }

    /** Every remaining row, counted (the batches are released as they are read). @throws IOException */
    public long countRemaining() throws IOException {
        long n = 0;
        while (loadNextBatch()) {
            n += getVectorSchemaRoot().getRowCount();
        }
        return n;
    }

    @Override
    public long bytesRead() {
        return in.bytesRead();
    }

    @Override
    protected void closeReadSource() throws IOException {
        try {
            in.close();
            scanner.close();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("closing a Lance scanner failed: " + e.getMessage(), e);
        }
    }

    @Override
    protected Schema readSchema() throws IOException {
        return in.getVectorSchemaRoot().getSchema();
    }
}
