package reconciler.sidecar;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import reconciler.storage.GraphStore;

/**
 * Sidecars under {@code _recovery/} of a graph root. Sidecars are listed in file-name order,
 * which for ULID names is creation order.
 */
public final class SidecarStore {

    /** Directory of sidecars. */
    public static final String DIR = "_recovery";

    private final GraphStore store;

    public SidecarStore(GraphStore store) {
        this.store = store;
    }

    /** The storage key of an operation's sidecar. */
    public static String key(String operationId) {
        return DIR + "/" + operationId + ".json";
    }

    /**
     * Writes a new sidecar atomically (create-only).
     *
     * @throws IllegalStateException if a sidecar for this operation already exists
     * @throws IOException on a storage error (then no sidecar was written, or a complete one)
     */
    public void write(Sidecar s) throws IOException {
        if (!store.createIfAbsent(key(s.operationId()), SidecarCodec.encode(s))) {
            throw new IllegalStateException("sidecar " + key(s.operationId()) + " already exists");
        }
    }

    /**
     * Reads one sidecar.
     *
     * @return the sidecar, or empty if it does not exist (the writer or another recoverer finished)
     * @throws CorruptSidecarException if it exists but is refused
     * @throws IOException on a storage error
     */
    public Optional<Sidecar> read(String operationId) throws IOException {
        String k = key(operationId);
        Optional<byte[]> b = store.read(k);
        if (b.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(SidecarCodec.decode(k, b.get()));
    }

    /**
     * Lists every {@code *.json} object under {@code _recovery/}, decoded. Objects listed but gone
     * before they could be read are skipped (their operation finished). Refused files are returned as
     * {@link SidecarEntry.Corrupt}, never dropped.
     *
     * @throws IOException on a storage error (a failed listing is never reported as empty)
     */
    public List<SidecarEntry> list() throws IOException {
        List<SidecarEntry> out = new ArrayList<>();
        for (String name : store.list(DIR)) {
            if (!name.endsWith(".json")) {
                continue;
            }
            String k = DIR + "/" + name;
            Optional<byte[]> b = store.read(k);
            if (b.isEmpty()) {
                continue;
            }
            try {
                out.add(new SidecarEntry.Valid(k, SidecarCodec.decode(k, b.get())));
            } catch (CorruptSidecarException e) {
                out.add(new SidecarEntry.Corrupt(k, e.getMessage()));
            }
        }
        return out;
    }

    /** Deletes an operation's sidecar (idempotent). @return whether it existed @throws IOException */
    public boolean delete(String operationId) throws IOException {
        return store.delete(key(operationId));
    }
}
