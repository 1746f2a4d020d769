package reconciler.indexer;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.arrow.memory.BufferAllocator;
import org.lance.Dataset;
import org.lance.index.Index;
import org.lance.index.IndexDescription;
import reconciler.manifest.IndexSpec;
import reconciler.manifest.Manifest;
import reconciler.manifest.TablePin;
import reconciler.storage.TableKey;
import reconciler.graph.Graph;

/**
 * Computes index coverage at the manifest's pins from Lance metadata only: the fragments of the
 * pinned version (ids, row counts net of deletions) and {@code describeIndices()} (segments and
 * the fragments each covers, type, fields, details). No scans, no writes.
 */
final class CoverageReader {
    private CoverageReader() {
    }

    /**
     * @param building builds in flight (key: table + "/" + index)
     */
    static GraphCoverage read(Graph graph, Manifest m, BufferAllocator allocator, Map<String, BuildProgress> building) {
        List<TableCoverage> tables = new ArrayList<>();
        for (Map.Entry<String, TablePin> e : m.tables().entrySet()) {
            tables.add(table(graph, e.getKey(), e.getValue(), allocator, building));
        }
        boolean converged = tables.stream().allMatch(TableCoverage::converged);
        List<BuildProgress> inFlight = building.values().stream().filter(b -> b.graphId().equals(m.graphId())).toList();
        return new GraphCoverage(m.graphId(), m.version(), tables, converged, inFlight);
    }

    static TableCoverage table(Graph graph, String tableKey, TablePin pin, BufferAllocator allocator, Map<String, BuildProgress> building) {
        try (Dataset ds = LanceAccess.open(allocator, graph, TableKey.parse(tableKey), pin.version())) {
            return table(ds, tableKey, pin, building);
        } catch (RuntimeException e) {
            return new TableCoverage(tableKey, pin.version(), -1, 0, 0, List.of(), "cannot read table at version " + pin.version() + ": " + e.getMessage());
        }
    }

    static TableCoverage table(Dataset ds, String tableKey, TablePin pin, Map<String, BuildProgress> building) {
        LinkedHashMap<Integer, Long> frags = LanceAccess.fragmentRows(ds);
        long rowsTotal = frags.values().stream().mapToLong(Long::longValue).sum();
        Map<Integer, String> fieldNames = LanceAccess.fieldNames(ds);
        Map<String, IndexDescription> byName = new TreeMap<>();
        String describeError = null;
        try {
            for (IndexDescription d : ds.describeIndices()) {
                byName.put(d.getName(), d);
            }
        } catch (RuntimeException e) {
            describeError = "describeIndices failed: " + e.getMessage();
        }
        List<IndexCoverage> out = new ArrayList<>();
        for (IndexSpec spec : pin.indexes()) {
            BuildProgress b = building.get(tableKey + "/" + spec.name());
            IndexDescription d = byName.get(spec.name());
            if (d == null) {
                IndexCoverage.State state;
                String detail;
                if (frags.isEmpty() || rowsTotal == 0) {
                    state = IndexCoverage.State.EMPTY;
                    detail = "table is empty at version " + pin.version();
                } else if (rowsTotal < IndexSpecs.minRowsToTrain(spec)) {
                    state = IndexCoverage.State.TOO_FEW_ROWS;
                    detail = rowsTotal + " rows, training needs " + IndexSpecs.minRowsToTrain(spec);
                } else {
                    state = IndexCoverage.State.MISSING;
                    detail = describeError != null ? describeError : "no index of that name at version " + pin.version();
                }
                out.add(new IndexCoverage(tableKey, spec.name(), spec.columns(), spec.type(), state, true, false, 0, rowsTotal,
                        List.copyOf(frags.keySet()), rowsTotal == 0 || state == IndexCoverage.State.TOO_FEW_ROWS ? 1.0 : 0.0, 0, List.of(),
                        detail, b));
                continue;
            }
            Observed o = observe(d, frags, fieldNames);
            List<String> drift = new ArrayList<>(IndexSpecs.drift(spec, d.getIndexType(), o.columns, d.getDetailsJson()));
            for (Index seg : d.getSegments()) {
                if (seg.datasetVersion() < spec.declaredAt()) {
                    drift.add("segment " + seg.uuid() + " was built on table version " + seg.datasetVersion()
                            + ", before the definition declared at version " + spec.declaredAt());
                    break;
                }
            }
            IndexCoverage.State state;
            String detail;
            if (!drift.isEmpty()) {
                state = IndexCoverage.State.DRIFTED;
                detail = String.join("; ", drift);
            } else if (!o.uncovered.isEmpty()) {
                state = IndexCoverage.State.PARTIAL;
                detail = o.uncovered.size() + " fragment(s) not covered: " + o.uncovered;
            } else {
                state = frags.isEmpty() ? IndexCoverage.State.EMPTY : IndexCoverage.State.COVERED;
                detail = "all " + frags.size() + " fragment(s) covered";
            }
            out.add(new IndexCoverage(tableKey, spec.name(), spec.columns(), spec.type(), state, true, true, o.rowsIndexed, rowsTotal,
                    o.uncovered, rowsTotal == 0 ? 1.0 : (double) o.rowsIndexed / rowsTotal, d.getSegments().size(), List.copyOf(drift), detail, b));
        }
        for (IndexDescription d : byName.values()) {
            if (pin.index(d.getName()) != null) {
                continue;
            }
            Observed o = observe(d, frags, fieldNames);
            out.add(new IndexCoverage(tableKey, d.getName(), o.columns, IndexSpecs.fromLanceDescription(d.getIndexType()),
                    IndexCoverage.State.UNDECLARED, false, true, o.rowsIndexed, rowsTotal, o.uncovered,
                    rowsTotal == 0 ? 1.0 : (double) o.rowsIndexed / rowsTotal, d.getSegments().size(), List.of(),
                    "present in Lance but not declared in the catalog (left alone)", null));
        }
        return new TableCoverage(tableKey, pin.version(), ds.latestVersion(), frags.size(), rowsTotal, out, null);
    }

    private record Observed(List<String> columns, long rowsIndexed, List<Integer> uncovered) {
    }

    private static Observed observe(IndexDescription d, Map<Integer, Long> frags, Map<Integer, String> fieldNames) {
        Set<Integer> covered = new HashSet<>();
        for (Index seg : d.getSegments()) {
            seg.fragments().ifPresent(covered::addAll);
        }
        long rows = 0;
        List<Integer> uncovered = new ArrayList<>();
        for (Map.Entry<Integer, Long> f : frags.entrySet()) {
            if (covered.contains(f.getKey())) {
                rows += f.getValue();
            } else {
                uncovered.add(f.getKey());
            }
        }
        List<String> cols = d.getFieldIds().stream().map(id -> fieldNames.getOrDefault(id, "#" + id)).toList();
        return new Observed(cols, rows, uncovered);
    }
}
