package reconciler.indexer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.lance.Dataset;
import org.lance.Fragment;
import org.lance.index.Index;
import org.lance.schema.LanceField;
import reconciler.storage.LanceTables;
import reconciler.storage.TableKey;
import reconciler.graph.Graph;

/** Opening Lance datasets of a graph's tables and reading their metadata (no scans). */
final class LanceAccess {
    private LanceAccess() {
    }

    /** Opens a table at {@code version} (null: latest) through the one opener, {@link LanceTables#open}. */
    static Dataset open(BufferAllocator allocator, Graph graph, TableKey table, Long version) {
        return LanceTables.open(graph.store(), allocator, table, version);
    }

    /** Fragment id → visible rows (physical rows minus deletions), in fragment order. */
    static LinkedHashMap<Integer, Long> fragmentRows(Dataset ds) {
        LinkedHashMap<Integer, Long> m = new LinkedHashMap<>();
        for (Fragment f : ds.getFragments()) {
            m.put(f.getId(), f.metadata().getNumRows());
        }
        return m;
    }

    /** Top-level field id → name. */
    static Map<Integer, String> fieldNames(Dataset ds) {
        Map<Integer, String> m = new HashMap<>();
        for (LanceField f : ds.getLanceSchema().fields()) {
            m.put(f.getId(), f.getName());
        }
        return m;
    }

    /** The segments of the index {@code name} (all its deltas). */
    static List<Index> segments(Dataset ds, String name) {
        List<Index> out = new ArrayList<>();
        for (Index i : ds.getIndexes()) {
            if (i.name().equals(name)) {
                out.add(i);
            }
        }
        return out;
    }
}
