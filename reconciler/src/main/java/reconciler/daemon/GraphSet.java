package reconciler.daemon;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import reconciler.maintenance.GraphRef;

/**
 * The graphs a daemon manages. Copy-on-write: a reload appends while passes, events and
 * rebalances iterate; handles are never removed, only retired, so an index stays valid for the
 * life of the daemon.
 */
final class GraphSet {

    private final List<GraphHandle> handles = new CopyOnWriteArrayList<>();

    /** Opens a root and adds it as the next handle. @throws IOException if the root cannot be opened */
    GraphHandle open(String root, Config config) throws IOException {
        synchronized (handles) {
            GraphHandle g = new GraphHandle(handles.size(), Roots.open(root, config), root);
            handles.add(g);
            return g;
        }
    }

    /** Every handle, retired ones included, in order of addition. */
    List<GraphHandle> all() {
        return handles;
    }

    /** The handle at an index. @throws IndexOutOfBoundsException if there is none */
    GraphHandle get(int index) {
        return handles.get(index);
    }

    /** The live (not retired) handle of a graph id. */
    Optional<GraphHandle> byId(String graphId) {
        for (GraphHandle g : handles) {
            if (!g.retired && graphId != null && graphId.equals(g.graphId())) {
                return Optional.of(g);
            }
        }
        return Optional.empty();
    }

    /** The live handles of a graph id whose id is known (events name graphs by id). */
    void forEachLive(String graphId, Consumer<GraphHandle> action) {
        for (GraphHandle g : handles) {
            if (!g.retired && graphId.equals(g.graphId)) {
                action.accept(g);
            }
        }
    }

    /** The configured (not retired) graphs, in config order. */
    List<GraphRef> managed() {
        List<GraphRef> out = new ArrayList<>();
        for (GraphHandle g : handles) {
            if (!g.retired) {
                out.add(new GraphRef(g.graphId(), g.configuredRoot, g.graph));
            }
        }
        return out;
    }

    /** Distinct known graph ids of every handle. */
    List<String> knownIds() {
        return handles.stream().map(g -> g.graphId).filter(java.util.Objects::nonNull).distinct().toList();
    }

    int size() {
        return handles.size();
    }

    /** Closes every graph. */
    void closeAll() {
        handles.forEach(g -> g.graph.close());
    }
}
