package reconciler.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import reconciler.storage.GraphStore;
import reconciler.storage.Json;

/**
 * Writes audit records: durably into the graph root (create-only, the source of truth, exactly
 * one per operation and outcome) and, when that create wins, as one JSON line appended to the
 * local audit log that operators tail. Thread-safe.
 */
public final class AuditLog {

    private final Path localLog;

    /** @param localLog the local JSON-lines file, or null for none */
    public AuditLog(Path localLog) {
        this.localLog = localLog;
    }

    /** The local log file, or null. */
    public Path localLog() {
        return localLog;
    }

    /**
     * Records {@code r} once.
     *
     * @return {@code true} if this call created the record, {@code false} if it already existed
     *     (a retry or another daemon got there first; nothing is appended then)
     * @throws IOException if the durable record cannot be written; a failed local append is also an error
     */
    public boolean record(GraphStore store, AuditRecord r) throws IOException {
        if (!store.createIfAbsent(r.key(), Json.MAPPER.writeValueAsBytes(r))) {
            return false;
        }
        appendLocal(r);
        return true;
    }

    /** Reads every durable record of a graph root, in key order. @throws IOException */
    public static List<AuditRecord> readAll(GraphStore store) throws IOException {
        List<AuditRecord> out = new ArrayList<>();
        for (String name : store.list(reconciler.graph.Graph.AUDIT_DIR)) {
            if (name.endsWith(".json")) {
                var b = store.read(reconciler.graph.Graph.AUDIT_DIR + "/" + name);
                if (b.isPresent()) {
                    out.add(Json.MAPPER.readValue(b.get(), AuditRecord.class));
                }
            }
        }
        return out;
    }

    private synchronized void appendLocal(AuditRecord r) throws IOException {
        if (localLog == null) {
            return;
        }
        if (localLog.getParent() != null) {
            Files.createDirectories(localLog.getParent());
        }
        String json = Json.LINE.writeValueAsString(r) + "\n";
        if (!endsAtLineBoundary(localLog)) {
            json = "\n" + json; // a torn last line (a crash mid-append) must not swallow this record
        }
        try (FileChannel ch = FileChannel.open(localLog, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer buf = ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(false);
        }
    }

    private static boolean endsAtLineBoundary(Path file) throws IOException {
        if (!Files.exists(file)) {
            return true;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) {
                return true;
            }
            ByteBuffer last = ByteBuffer.allocate(1);
            ch.read(last, size - 1);
            return last.get(0) == '\n';
        }
    }
}
