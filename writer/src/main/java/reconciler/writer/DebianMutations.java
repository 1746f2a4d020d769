package reconciler.writer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.util.Text;
import reconciler.graph.GraphSnapshot;
import reconciler.graph.GraphTransaction;
import reconciler.graph.ScanResult;
import reconciler.storage.ArrowRows;
import reconciler.storage.LanceTables;

/**
 * The second real workload on the Debian graph (issue 11): mutations rather than appends, each one
 * operation through the graph library.
 * <ul>
 *   <li>{@link #removeSection}: every package of a section and every DependsOn and MaintainedBy edge
 *       leaving one, deleted across three tables (write kind {@code delete});</li>
 *   <li>{@link #raisePriority}: in a section, packages larger than the section's median installed
 *       size get priority {@code important} (write kind {@code upsert}, keyed by name and version).</li>
 * </ul>
 * Both read what they change at the transaction's base pins (a snapshot), so they stage against
 * exactly the rows they delete or replace.
 */
public final class DebianMutations {
    private DebianMutations() {
    }

    /** Labels for PLAN lines. */
    public static String label(String mutation, String section) {
        return mutation + ":" + section;
    }

    /**
     * Stages removing {@code section}: its packages and the edges leaving them.
     *
     * @return rows removed per table (staged, not yet committed)
     * @throws IllegalArgumentException if the section has no package
     */
    public static Map<String, Integer> removeSection(GraphTransaction tx, GraphSnapshot base, String section) throws IOException {
        String where = "section = " + literal(section);
        List<String> names = strings(base, DebianImport.PACKAGE, "name", where);
        if (names.isEmpty()) {
            throw new IllegalArgumentException("no package in section '" + section + "' at manifest v" + base.version());
        }
        String in = "src IN (" + String.join(", ", names.stream().distinct().map(DebianMutations::literal).toList()) + ")";
        Map<String, Integer> out = new LinkedHashMap<>();
        out.put(DebianImport.PACKAGE, (int) base.count(DebianImport.PACKAGE, where));
        out.put(DebianImport.DEPENDS_ON, (int) base.count(DebianImport.DEPENDS_ON, in));
        out.put(DebianImport.MAINTAINED_BY, (int) base.count(DebianImport.MAINTAINED_BY, in));
        tx.delete(DebianImport.PACKAGE, where);
        tx.delete(DebianImport.DEPENDS_ON, in);
        tx.delete(DebianImport.MAINTAINED_BY, in);
        return out;
    }

    /**
     * Stages raising the priority of the larger half of {@code section}'s packages to {@code important}.
     *
     * @return rows replaced per table (staged)
     * @throws IllegalArgumentException if the section has no package
     */
    public static Map<String, Integer> raisePriority(GraphTransaction tx, GraphSnapshot base, String section) throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (ScanResult r = base.scan(DebianImport.PACKAGE, List.of(), "section = " + literal(section), 0)) {
            while (r.loadNextBatch()) {
                VectorSchemaRoot root = r.getVectorSchemaRoot();
                for (int i = 0; i < root.getRowCount(); i++) {
                    Map<String, Object> row = new HashMap<>();
                    for (FieldVector v : root.getFieldVectors()) {
                        Object o = v.getObject(i);
                        row.put(v.getName(), o instanceof Text t ? t.toString() : o instanceof List<?> l ? floats(l) : o);
                    }
                    rows.add(row);
                }
            }
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no package in section '" + section + "' at manifest v" + base.version());
        }
        List<Long> sizes = rows.stream().map(x -> x.get("installed_size_kib") == null ? 0L : (Long) x.get("installed_size_kib")).sorted().toList();
        long median = sizes.get(sizes.size() / 2);
        Map<List<Object>, Map<String, Object>> byKey = new LinkedHashMap<>();
        for (Map<String, Object> row : rows) {
            Long size = (Long) row.get("installed_size_kib");
            if (size != null && size > median) {
                row.put("priority", "important");
                byKey.putIfAbsent(List.of(String.valueOf(row.get("name")), String.valueOf(row.get("version"))), row);
            }
        }
        List<Map<String, Object>> changed = new ArrayList<>(byKey.values());
        if (changed.isEmpty()) {
            throw new IllegalArgumentException("section '" + section + "' has no package above its median installed size");
        }
        tx.upsert(DebianImport.PACKAGE, List.of("name", "version"), ArrowRows.reader(
                base.allocator(), LanceTables.arrowSchema(base.manifest().pin(DebianImport.PACKAGE).columns()), changed, 8192));
        return Map.of(DebianImport.PACKAGE, changed.size());
    }

    private static float[] floats(List<?> l) {
        float[] f = new float[l.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = ((Number) l.get(i)).floatValue();
        }
        return f;
    }

    private static List<String> strings(GraphSnapshot s, String table, String column, String filter) throws IOException {
        List<String> out = new ArrayList<>();
        try (ScanResult r = s.scan(table, List.of(column), filter, 0)) {
            while (r.loadNextBatch()) {
                FieldVector v = r.getVectorSchemaRoot().getVector(column);
                for (int i = 0; i < v.getValueCount(); i++) {
                    Object o = v.getObject(i);
                    if (o != null) {
                        out.add(o.toString());
                    }
                }
            }
        }
        return out;
    }

    static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }
}
