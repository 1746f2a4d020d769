package reconciler.sidecar;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import reconciler.manifest.Manifest;
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

    /**
     * Lists the sidecars like {@link #list()} and also refuses, as {@link SidecarEntry.Corrupt}, every
     * sidecar that cannot belong to the graph {@code manifest} describes ({@link #refusal}). This is
     * the listing every reader of pending sidecars uses: a refused sidecar is kept, reported and
     * blocks writes like an undecodable one, and is never recovered against other tables or branches.
     *
     * @param manifest the graph's latest manifest
     * @throws IOException on a storage error
     */
    public List<SidecarEntry> list(Manifest manifest) throws IOException {
        List<SidecarEntry> out = new ArrayList<>();
        for (SidecarEntry e : list()) {
            Optional<String> why = e instanceof SidecarEntry.Valid v ? refusal(v.sidecar(), manifest) : Optional.empty();
            out.add(why.isPresent() ? new SidecarEntry.Corrupt(e.key(), new CorruptSidecarException(e.key(), why.get(), null).getMessage()) : e);
        }
        return out;
    }

    /**
     * Why a well-formed sidecar cannot belong to the graph {@code manifest} describes, or empty if it
     * can (docs/protocol.md, "Sidecar"): every table it names must be pinned by the manifest, and its
     * branch must exist (protocol v1: only {@value Manifest#MAIN_BRANCH}). A pure function.
     */
    public static Optional<String> refusal(Sidecar s, Manifest manifest) {
        List<String> unknown = s.tableKeys().stream().filter(t -> !manifest.tables().containsKey(t)).toList();
        if (!unknown.isEmpty()) {
            return Optional.of("it names " + (unknown.size() == 1 ? "table " : "tables ") + String.join(", ", unknown)
                    + ", which manifest v" + manifest.version() + " of graph " + manifest.graphId() + " does not have (tables: "
                    + String.join(", ", manifest.tables().keySet()) + ")");
        }
        if (!Manifest.MAIN_BRANCH.equals(s.branch())) {
            return Optional.of("it names branch '" + s.branch() + "', which graph " + manifest.graphId()
                    + " does not have (protocol v1 graphs have only branch " + Manifest.MAIN_BRANCH + ")");
        }
        return Optional.empty();
    }

    /** Deletes an operation's sidecar (idempotent). @return whether it existed @throws IOException */
    public boolean delete(String operationId) throws IOException {
        return store.delete(key(operationId));
    }
}
