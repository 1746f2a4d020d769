package reconciler.storage;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A {@link GraphStore} whose tables resolve to a Lance branch of each table's dataset
 * ({@code <table uri>/tree/<lance branch>}, lance-java-notes.md "Tags and branches"); every protocol
 * object (manifests, sidecars, audit) is the delegate's. {@link LanceTables} over it reads, stages,
 * commits and restores on those Lance branches with no other change.
 */
public final class LanceBranchStore implements GraphStore {

    private final GraphStore delegate;
    private final Function<TableKey, String> lanceBranchOf;

    /**
     * @param lanceBranchOf the Lance branch of each table, or null for Lance's main branch
     */
    public LanceBranchStore(GraphStore delegate, Function<TableKey, String> lanceBranchOf) {
        this.delegate = delegate;
        this.lanceBranchOf = lanceBranchOf;
    }

    /** The URI of {@code table}'s dataset on {@code lanceBranch} (null: Lance's main branch) under {@code store}. */
    public static String uri(GraphStore store, TableKey table, String lanceBranch) {
        String base = store instanceof LanceBranchStore b ? b.delegate.tableUri(table) : store.tableUri(table);
        return lanceBranch == null ? base : base + "/tree/" + lanceBranch;
    }

    @Override
    public String root() {
        return delegate.root();
    }

    @Override
    public Optional<byte[]> read(String key) throws IOException {
        return delegate.read(key);
    }

    @Override
    public boolean createIfAbsent(String key, byte[] data) throws IOException {
        return delegate.createIfAbsent(key, data);
    }

    @Override
    public void replace(String key, byte[] data) throws IOException {
        delegate.replace(key, data);
    }

    @Override
    public boolean delete(String key) throws IOException {
        return delegate.delete(key);
    }

    @Override
    public List<String> list(String prefix) throws IOException {
        return delegate.list(prefix);
    }

    @Override
    public List<String> listAfter(String prefix, String startAfter) throws IOException {
        return delegate.listAfter(prefix, startAfter);
    }

    @Override
    public List<String> listFirst(String prefix, int limit) throws IOException {
        return delegate.listFirst(prefix, limit);
    }

    @Override
    public String tableUri(TableKey table) {
        return uri(delegate, table, lanceBranchOf.apply(table));
    }

    @Override
    public String tableDir(TableKey table) {
        String branch = lanceBranchOf.apply(table);
        return delegate.tableDir(table) + (branch == null ? "" : "/tree/" + branch);
    }

    @Override
    public Map<String, String> storageOptions() {
        return delegate.storageOptions();
    }
}
