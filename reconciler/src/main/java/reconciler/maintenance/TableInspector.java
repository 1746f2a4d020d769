package reconciler.maintenance;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.lance.Dataset;
import org.lance.Fragment;
import org.lance.index.Index;
import org.lance.index.IndexType;
import reconciler.storage.GraphStore;
import reconciler.storage.LanceTables;
import reconciler.storage.TableKey;

/**
 * Reads a table's metadata at its pinned version: rows, fragments, soft deletions, and every
 * Lance index with its coverage (fragments covered by its segments). Metadata only: no scan.
 */
final class TableInspector implements AutoCloseable {

    private final BufferAllocator allocator = new RootAllocator();

    /**
     * @param rows rows at the pin
     * @param fragments fragments at the pin
     * @param deletedRows soft-deleted rows
     * @param indexes Lance indexes found (not declared)
     */
    record Inspection(long pinnedVersion, long rows, int fragments, long deletedRows, List<MaintenanceState.IndexState> indexes) {
    }

    Inspection inspect(GraphStore store, String tableKey, long pinnedVersion) {
        try (Dataset ds = LanceTables.open(store, allocator, TableKey.parse(tableKey), pinnedVersion)) {
            Map<Integer, Long> rowsByFragment = new LinkedHashMap<>();
            long rows = 0;
            long deleted = 0;
            for (Fragment f : ds.getFragments()) {
                long n = f.metadata().getNumRows();
                rowsByFragment.put(f.getId(), n);
                rows += n;
                deleted += f.metadata().getNumDeletions();
            }
            Map<String, List<Index>> byName = new LinkedHashMap<>();
            for (Index i : ds.getIndexes()) {
                IndexType t = i.indexType();
                if (t == IndexType.FRAGMENT_REUSE || t == IndexType.MEM_WAL) {
                    continue; // system indexes, not secondary indexes
                }
                byName.computeIfAbsent(i.name(), k -> new ArrayList<>()).add(i);
            }
            List<MaintenanceState.IndexState> indexes = new ArrayList<>();
            for (Map.Entry<String, List<Index>> e : byName.entrySet()) {
                Set<Integer> covered = new HashSet<>();
                for (Index seg : e.getValue()) {
                    seg.fragments().ifPresent(covered::addAll);
                }
                long indexed = 0;
                int uncovered = 0;
                for (Map.Entry<Integer, Long> f : rowsByFragment.entrySet()) {
                    if (covered.contains(f.getKey())) {
                        indexed += f.getValue();
                    } else {
                        uncovered++;
                    }
                }
                Index first = e.getValue().get(0);
                indexes.add(new MaintenanceState.IndexState(e.getKey(), null, String.valueOf(first.indexType()), false, true,
                        indexed, rows, rows == 0 ? 1.0 : (double) indexed / rows, uncovered, e.getValue().size()));
            }
            return new Inspection(pinnedVersion, rows, rowsByFragment.size(), deleted, indexes);
        }
    }

    @Override
    public void close() {
        allocator.close();
    }
}
