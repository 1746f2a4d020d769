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
     * <p>Branches (docs/protocol.md "Branches"): the listing is of one branch's sidecars. For main's
     * manifest, sidecars of a listed branch and orphaned ones ({@link #orphans}) are left out, so they
     * never block main; for a branch's manifest only that branch's sidecars are listed. Refused
     * (corrupt) sidecars are in every branch's listing.
     *
     * @param manifest the latest manifest of the branch listed (main's, or a branch's own)
     * @throws IOException on a storage error
     */
    public List<SidecarEntry> list(Manifest manifest) throws IOException {
        List<SidecarEntry> out = new ArrayList<>();
        for (SidecarEntry e : list()) {
            if (e instanceof SidecarEntry.Valid v && !manifest.branchName().equals(v.sidecar().branch())
                    && (isBranchOf(v.sidecar(), manifest) || manifest.branch() != null)) {
                continue; // another branch's (or an orphan): not this branch's business
            }
            Optional<String> why = e instanceof SidecarEntry.Valid v ? refusal(v.sidecar(), manifest) : Optional.empty();
            out.add(why.isPresent() ? new SidecarEntry.Corrupt(e.key(), new CorruptSidecarException(e.key(), why.get(), null).getMessage()) : e);
        }
        return out;
    }

    /**
     * The sidecar that blocks a change to {@code tables} on the branch of {@code manifest}: the first
     * refused (corrupt) one, which may cover anything, else the first valid one naming one of the
     * tables; empty when none does. The rule every writer-like change applies under its leases
     * (docs/protocol.md, "Writer phases"): a writer's commit, an index or compaction commit, a
     * catalog change, a cleanup.
     *
     * @param manifest the latest manifest of the branch (see {@link #list(Manifest)})
     * @throws IOException on a storage error
     */
    public Optional<SidecarEntry> blocking(Manifest manifest, java.util.Collection<String> tables) throws IOException {
        List<SidecarEntry> entries = list(manifest);
        for (SidecarEntry e : entries) {
            if (e instanceof SidecarEntry.Corrupt) {
                return Optional.of(e);
            }
        }
        for (SidecarEntry e : entries) {
            if (e instanceof SidecarEntry.Valid v && v.sidecar().tableKeys().stream().anyMatch(tables::contains)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** Whether {@code main} lists the sidecar's (non-main) branch or names it deleted. */
    private static boolean isBranchOf(Sidecar s, Manifest main) {
        return main.branch() == null && (main.branches().containsKey(s.branch()) || main.deletedBranches().contains(s.branch()));
    }

    /**
     * The orphaned-branch sidecars: well-formed sidecars whose branch main's latest manifest no longer lists
     * but names deleted (the branch list is the authority; a Lance not-found is never taken for a delete).
     * They are discarded by the reconciler with one {@code orphaned_branch_discarded} audit record.
     *
     * @param main main's latest manifest
     */
    public List<Sidecar> orphans(Manifest main) throws IOException {
        return list().stream().filter(e -> e instanceof SidecarEntry.Valid).map(e -> ((SidecarEntry.Valid) e).sidecar())
                .filter(s -> isOrphan(s, main)).toList();
    }

    /** Whether a sidecar's branch was deleted: not listed by {@code main}, named in its deleted branches. A pure function. */
    public static boolean isOrphan(Sidecar s, Manifest main) {
        return !Manifest.MAIN_BRANCH.equals(s.branch()) && !main.branches().containsKey(s.branch())
                && main.deletedBranches().contains(s.branch());
    }

    /**
     * Why a well-formed sidecar cannot belong to the graph {@code manifest} describes, or empty if it
     * can (docs/protocol.md, "Sidecar"): every table it names must be pinned by the manifest, and its
     * branch must be the manifest's ({@value Manifest#MAIN_BRANCH} for main's sequence; on main's a branch
     * main lists or names deleted is left to that branch's listing). A pure function.
     */
    public static Optional<String> refusal(Sidecar s, Manifest manifest) {
        if (!manifest.branchName().equals(s.branch()) && isBranchOf(s, manifest)) {
            return Optional.empty();
        }
        List<String> unknown = s.tableKeys().stream().filter(t -> !manifest.tables().containsKey(t)).toList();
        if (!unknown.isEmpty()) {
            return Optional.of("it names " + (unknown.size() == 1 ? "table " : "tables ") + String.join(", ", unknown)
                    + ", which manifest v" + manifest.version() + " of graph " + manifest.graphId()
                    + (manifest.branch() == null ? "" : " branch " + manifest.branch()) + " does not have (tables: "
                    + String.join(", ", manifest.tables().keySet()) + ")");
        }
        if (!manifest.branchName().equals(s.branch())) {
            return Optional.of("it names branch '" + s.branch() + "', which graph " + manifest.graphId()
                    + " does not have (" + (manifest.branches().isEmpty() ? "it has only branch " + Manifest.MAIN_BRANCH
                    : "branches: " + Manifest.MAIN_BRANCH + ", " + String.join(", ", manifest.branches().keySet())) + ")");
        }
        return Optional.empty();
    }

    /** Deletes an operation's sidecar (idempotent). @return whether it existed @throws IOException */
    public boolean delete(String operationId) throws IOException {
        return store.delete(key(operationId));
    }
}
