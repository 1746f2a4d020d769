package reconciler.daemon;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import reconciler.graph.Graph;
import reconciler.maintenance.GraphRef;

/**
 * The graphs a daemon manages. Copy-on-write: a reload appends while passes, events and
 * rebalances iterate; handles are never removed, only retired, so an index stays valid for the
 * life of the daemon.
 */
final class GraphSet {

    private final List<GraphHandle> handles = new CopyOnWriteArrayList<>();
    /** Handles by graph id (once read): lookups by id stay O(1) with 10,000 graphs (events, /readyz, maintenance). */
    private final ConcurrentHashMap<String, List<GraphHandle>> ids = new ConcurrentHashMap<>();
    /** Live handles, and live handles checked since start: counted, so progress is O(1) on every first pass. */
    private final java.util.concurrent.atomic.AtomicInteger live = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger checkedLive = new java.util.concurrent.atomic.AtomicInteger();

    /** Opens a root and adds it as the next handle. @throws IOException if the root cannot be opened */
    GraphHandle open(String root, Config config) throws IOException {
        Graph graph = Roots.open(root, config);
        synchronized (handles) {
            GraphHandle g = new GraphHandle(handles.size(), graph, root,
                    h -> ids.computeIfAbsent(h.graphId, k -> new CopyOnWriteArrayList<>()).add(h));
            handles.add(g);
            live.incrementAndGet();
            return g;
        }
    }

    /**
     * Reads the graph id of every handle that has none yet, on {@code threads} threads (10,000 graphs:
     * one manifest listing and read each, which the graph's first pass then finds cached).
     */
    void readIds(int threads) throws InterruptedException {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(Math.max(1, threads),
                StopWatchdog.daemonThreads("reconciler-open"));
        try {
            for (GraphHandle g : handles) {
                if (g.graphId == null) {
                    pool.execute(g::graphId);
                }
            }
        } finally {
            pool.shutdown();
        }
        pool.awaitTermination(1, java.util.concurrent.TimeUnit.HOURS);
    }

    /** Marks a graph checked since start (its first scheduled pass ran). */
    void checked(GraphHandle g) {
        synchronized (g) {
            if (g.checked.compareAndSet(false, true) && !g.retired) {
                checkedLive.incrementAndGet();
            }
        }
    }

    /** Retires a graph removed from the config by a reload (no job, not claimed, not served); once. */
    void retire(GraphHandle g) {
        synchronized (g) {
            if (!g.retired) {
                g.retired = true;
                live.decrementAndGet();
                if (g.checked.get()) {
                    checkedLive.decrementAndGet();
                }
            }
        }
    }

    /**
     * Live graphs checked since start (first pass done, or found owned elsewhere) and all live graphs,
     * as {@code {checked, live}}; O(1), as every first pass asks (10,000 graphs at start-up).
     */
    int[] firstPassProgress() {
        return new int[] {checkedLive.get(), live.get()};
    }

    /** Every handle, retired ones included, in order of addition. */
    List<GraphHandle> all() {
        return handles;
    }

    /** The handle at an index. @throws IndexOutOfBoundsException if there is none */
    GraphHandle get(int index) {
        return handles.get(index);
    }

    /** The live (not retired) handle of a graph id; handles whose id was not read yet are read on a miss. */
    Optional<GraphHandle> byId(String graphId) {
        if (graphId == null) {
            return Optional.empty();
        }
        for (GraphHandle g : ids.getOrDefault(graphId, List.of())) {
            if (!g.retired) {
                return Optional.of(g);
            }
        }
        for (GraphHandle g : handles) {
            if (!g.retired && g.graphId == null && graphId.equals(g.graphId())) {
                return Optional.of(g);
            }
        }
        return Optional.empty();
    }

    /** The live handles of a graph id whose id is known (events name graphs by id). */
    void forEachLive(String graphId, Consumer<GraphHandle> action) {
        for (GraphHandle g : ids.getOrDefault(graphId, List.of())) {
            if (!g.retired) {
                action.accept(g);
            }
        }
    }

    /** The configured (not retired) graphs, in config order. */
    List<GraphRef> managed() {
        List<GraphRef> out = new ArrayList<>();
        for (GraphHandle g : handles) {
            if (!g.retired) {
                out.add(new GraphRef(g.graphId(), g.configuredRoot, g.graph, g.checked.get()));
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
