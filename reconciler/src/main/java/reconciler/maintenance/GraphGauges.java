package reconciler.maintenance;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import reconciler.core.GraphStatus;
import reconciler.metrics.MetricNames;

/**
 * The maintenance gauges, all under {@code reconciler.graph.<graph>.}: {@code sidecars.pending},
 * {@code sidecars.deferred}, {@code sidecars.corrupt}, {@code sidecars.oldest_age_seconds}
 * (seconds), {@code manifest_version}, {@code caught_up} (1/0), {@code table.<t>.drift},
 * {@code table.<t>.index.<i>.coverage} (0..1), {@code table.<t>.index.<i>.unindexed_rows} and
 * {@code maintenance.<kind>.progress} (0..1); NaN while unknown. Sidecar and drift gauges follow
 * every pass (no extra storage request); index gauges follow the last full observation. Gauges
 * are registered only for graphs the host manages now, and removed with them.
 */
final class GraphGauges {

    private final MaintenanceHost host;
    private final Map<String, Observation> observations = new ConcurrentHashMap<>();
    private final Set<String> gauges = ConcurrentHashMap.newKeySet();
    /** Ids of the graphs the host manages now (graphsChanged): gauges are only registered for these. */
    private volatile Set<String> managed = Set.of();
    /** Serialises gauge registration against graphsChanged's removals. */
    private final Object registration = new Object();

    /** The latest knowledge of one graph, for gauges. */
    private static final class Observation {
        volatile GraphStatus status;
        volatile MaintenanceState full;
        /** Reasons from the last full observation that passes do not update (index coverage, contributors). */
        volatile List<String> other = List.of();
    }

    GraphGauges(MaintenanceHost host) {
        this.host = host;
    }

    /** A metric-name segment: dots and odd characters become underscores. */
    private static final java.util.regex.Pattern ODD = java.util.regex.Pattern.compile("[^A-Za-z0-9_:-]");

    static String seg(String s) {
        return MetricNames.segment(s);
    }

    /** Registers a gauge once (kept if another service registered the name on the same registry). */
    void gauge(String name, Gauge<?> g) {
        if (gauges.add(name)) {
            try {
                host.metrics().register(name, g);
            } catch (IllegalArgumentException e) {
                // already registered (another service on the same registry); keep it
            }
        }
    }

    /** The progress gauge of a kind on a graph. */
    void progressGauge(String graphId, String kind, Supplier<Double> progress) {
        gauge(MetricRegistry.name("reconciler", "graph", seg(graphId), "maintenance", seg(kind), "progress"), (Gauge<Double>) progress::get);
    }

    /** Records a pass's status (sidecar and drift gauges). */
    void onPass(String graphId, GraphStatus status) {
        synchronized (registration) {
            if (!isManaged(graphId)) {
                return; // a pass that finished after its graph was removed from the config
            }
            Observation o = observations.computeIfAbsent(graphId, g -> new Observation());
            o.status = status;
            tableGauges(graphId, o.status, o.full);
        }
    }

    /** Records a full observation (every gauge of the graph). */
    void onObservation(String graphId, GraphStatus status, MaintenanceState full) {
        Observation o = observations.computeIfAbsent(graphId, g -> new Observation());
        List<String> other = new ArrayList<>(full.notCaughtUp());
        other.removeAll(StateAssembler.sidecarAndDriftReasons(status));
        o.status = status;
        o.full = full;
        o.other = List.copyOf(other);
        synchronized (registration) {
            if (isManaged(graphId)) { // not re-registered for a graph removed meanwhile
                graphGauges(graphId);
                tableGauges(graphId, status, full);
            }
        }
    }

    /** Registers gauges of graphs added to the config and removes those of graphs removed. */
    void graphsChanged() {
        synchronized (registration) {
            Set<String> ids = new HashSet<>();
            Set<String> segs = new HashSet<>();
            for (GraphRef g : host.graphs()) {
                if (g.graphId() != null) {
                    ids.add(g.graphId());
                    segs.add(seg(g.graphId()));
                    graphGauges(g.graphId());
                }
            }
            managed = Set.copyOf(ids);
            for (String name : List.copyOf(gauges)) {
                if (name.startsWith("reconciler.graph.")) {
                    String gid = name.substring("reconciler.graph.".length()).split("\\.", 2)[0];
                    if (!segs.contains(gid)) { // a set: with 10,000 graphs a scan per gauge took minutes at start-up
                        host.metrics().remove(name);
                        gauges.remove(name);
                    }
                }
            }
            observations.keySet().removeIf(id -> !ids.contains(id));
        }
    }

    /**
     * Whether the host manages the graph now. A graph whose id became known after the last
     * graphsChanged (its manifest appeared later) is looked up once and remembered. Call under
     * {@code registration}.
     */
    private boolean isManaged(String graphId) {
        if (managed.contains(graphId)) {
            return true;
        }
        for (GraphRef g : host.graphs()) {
            if (graphId.equals(g.graphId())) {
                Set<String> more = new HashSet<>(managed);
                more.add(graphId);
                managed = Set.copyOf(more);
                return true;
            }
        }
        return false;
    }

    private void graphGauges(String graphId) {
        String p = MetricRegistry.name("reconciler", "graph", seg(graphId));
        statusGauge(graphId, p + ".sidecars.pending", s -> s.sidecars().size());
        statusGauge(graphId, p + ".sidecars.deferred", s -> s.sidecars().stream().filter(GraphStatus.SidecarStatus::deferred).count());
        statusGauge(graphId, p + ".sidecars.corrupt", s -> s.corruptSidecars().size());
        statusGauge(graphId, p + ".sidecars.oldest_age_seconds", s -> {
            Instant now = Instant.now();
            return s.sidecars().stream().mapToDouble(x -> StateAssembler.ageSeconds(x.createdAt(), now)).max().orElse(0);
        });
        statusGauge(graphId, p + ".manifest_version", GraphStatus::manifestVersion);
        gauge(p + ".caught_up", (Gauge<Double>) () -> {
            Observation o = observations.get(graphId);
            if (o == null || o.status == null) {
                return Double.NaN;
            }
            // sidecars and drift from the last pass; index coverage and contributor backlog from the last full observation
            return StateAssembler.sidecarAndDriftReasons(o.status).isEmpty() && o.other.isEmpty() ? 1.0 : 0.0;
        });
    }

    private void statusGauge(String graphId, String name, ToDoubleFunction<GraphStatus> f) {
        gauge(name, (Gauge<Double>) () -> {
            Observation o = observations.get(graphId);
            GraphStatus s = o == null ? null : o.status;
            return s == null ? Double.NaN : f.applyAsDouble(s);
        });
    }

    private void tableGauges(String graphId, GraphStatus status, MaintenanceState full) {
        String p = MetricRegistry.name("reconciler", "graph", seg(graphId), "table");
        for (GraphStatus.TableStatus t : status.tables()) {
            String table = t.table();
            statusGauge(graphId, MetricRegistry.name(p, seg(table), "drift"), s -> s.tables().stream()
                    .filter(x -> x.table().equals(table)).mapToDouble(GraphStatus.TableStatus::drift).findFirst().orElse(Double.NaN));
        }
        if (full == null) {
            return;
        }
        for (MaintenanceState.TableState t : full.tables()) {
            for (MaintenanceState.IndexState i : t.indexes()) {
                String table = t.table();
                String index = i.name();
                String ip = MetricRegistry.name(p, seg(table), "index", seg(index));
                gauge(ip + ".coverage", (Gauge<Double>) () -> indexValue(graphId, table, index, x -> x.coverage()));
                gauge(ip + ".unindexed_rows", (Gauge<Double>) () -> indexValue(graphId, table, index, x -> x.rowsTotal() - x.rowsIndexed()));
            }
        }
    }

    private double indexValue(String graphId, String table, String index, ToDoubleFunction<MaintenanceState.IndexState> f) {
        Observation o = observations.get(graphId);
        MaintenanceState s = o == null ? null : o.full;
        if (s == null) {
            return Double.NaN;
        }
        for (MaintenanceState.TableState t : s.tables()) {
            if (t.table().equals(table)) {
                for (MaintenanceState.IndexState i : t.indexes()) {
                    if (i.name().equals(index)) {
                        return f.applyAsDouble(i);
                    }
                }
            }
        }
        return Double.NaN;
    }

    /** Removes every gauge this service registered. */
    void removeAll() {
        for (String name : gauges) {
            host.metrics().remove(name);
        }
        gauges.clear();
    }
}
