package reconciler.storage;

import org.apache.arrow.memory.BufferAllocator;
import org.lance.Dataset;

/**
 * Lance branches of the table datasets of one graph root (lance-java-notes.md "Tags and branches"): a
 * graph branch's fork of a table is a Lance branch of the table's dataset ({@code tree/<name>/}).
 * Reads and writes on a Lance branch go through {@link LanceTables#onLanceBranches}.
 */
public final class LanceBranches {

    private final GraphStore store;
    private final BufferAllocator allocator;
    private final LanceTables tables;

    LanceBranches(GraphStore store, BufferAllocator allocator, LanceTables tables) {
        this.store = store;
        this.allocator = allocator;
        this.tables = tables;
    }

    /**
     * Creates Lance branch {@code name} of {@code table}'s dataset at {@code version} of Lance branch
     * {@code from} (null: Lance's main branch). Creates only a ref and the branch's first manifest: no data
     * is copied (lance-java-notes.md). Idempotent: an existing branch of that name at that version with no
     * version after it is accepted.
     *
     * @throws IllegalStateException if a branch of that name exists and has moved past {@code version}
     * @throws java.io.UncheckedIOException wrapping a {@link StorageException} naming the table on a Lance error
     */
    public void create(TableKey table, String from, long version, String name) {
        if (list(table).contains(name)) {
            long head = tables.onLanceBranches(t -> name).headVersion(table);
            if (head != version) {
                throw new IllegalStateException("Lance branch " + name + " of " + table + " exists at version " + head + ", not " + version);
            }
            return;
        }
        String source = LanceBranchStore.uri(store, table, from);
        org.lance.Ref ref = from == null ? org.lance.Ref.ofMain(version) : org.lance.Ref.ofBranch(from, version);
        try (Dataset ds = LanceTables.open(allocator, source, store.storageOptions(), version);
             Dataset created = store.storageOptions().isEmpty() ? ds.createBranch(name, ref)
                     : ds.createBranch(name, ref, store.storageOptions())) {
            if (created.version() != version) {
                throw new IllegalStateException("Lance branch " + name + " of " + table + " was created at " + created.version());
            }
        } catch (IllegalStateException e) {
            throw e;
        } catch (Exception e) { // Lance also throws java.io.IOException undeclared, through JNI
            throw LanceTables.failure(store, "create Lance branch " + name + " of", table, e);
        }
    }

    /** The Lance branches of {@code table}'s dataset, by name (a listing of its refs). @throws RuntimeException from Lance */
    public java.util.List<String> list(TableKey table) {
        try (Dataset ds = LanceTables.open(allocator, LanceBranchStore.uri(store, table, null), store.storageOptions(), null)) {
            return ds.branches().list().stream().map(org.lance.Branch::getName).sorted().toList();
        }
    }

    /**
     * Deletes Lance branch {@code name} of {@code table}'s dataset (its ref and {@code tree/<name>/}).
     * Idempotent: a branch the dataset's branch list does not name is already gone.
     *
     * @return whether it existed
     * @throws java.io.UncheckedIOException wrapping a {@link StorageException} naming the table on a Lance error
     */
    public boolean delete(TableKey table, String name) {
        if (!list(table).contains(name)) {
            return false;
        }
        try (Dataset ds = LanceTables.open(allocator, LanceBranchStore.uri(store, table, null), store.storageOptions(), null)) {
            ds.branches().delete(name);
            return true;
        } catch (Exception e) { // Lance also throws java.io.IOException undeclared, through JNI
            throw LanceTables.failure(store, "delete Lance branch " + name + " of", table, e);
        }
    }
}
