package reconciler.storage;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A {@link GraphStore} decorator that counts every request in {@link StorageStats}. */
public final class CountingGraphStore implements GraphStore {

    private final GraphStore delegate;

    public CountingGraphStore(GraphStore delegate) {
        this.delegate = delegate;
    }

    /** The decorated store. */
    public GraphStore delegate() {
        return delegate;
    }

    @Override
    public String root() {
        return delegate.root();
    }

    @Override
    public Optional<byte[]> read(String key) throws IOException {
        StorageStats.count("read");
        return delegate.read(key);
    }

    @Override
    public boolean createIfAbsent(String key, byte[] data) throws IOException {
        StorageStats.count("create");
        return delegate.createIfAbsent(key, data);
    }

    @Override
    public void replace(String key, byte[] data) throws IOException {
        StorageStats.count("replace");
        delegate.replace(key, data);
    }

    @Override
    public boolean delete(String key) throws IOException {
        StorageStats.count("delete");
        return delegate.delete(key);
    }

    @Override
    public List<String> list(String prefix) throws IOException {
        StorageStats.count("list");
        return delegate.list(prefix);
    }

    @Override
    public List<String> listAfter(String prefix, String startAfter) throws IOException {
        StorageStats.count("list");
        return delegate.listAfter(prefix, startAfter);
    }

    @Override
    public List<String> listFirst(String prefix, int limit) throws IOException {
        StorageStats.count("list");
        return delegate.listFirst(prefix, limit);
    }

    @Override
    public String tableUri(TableKey table) {
        return delegate.tableUri(table);
    }

    @Override
    public String tableDir(TableKey table) {
        return delegate.tableDir(table);
    }

    @Override
    public Map<String, String> storageOptions() {
        return delegate.storageOptions();
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
