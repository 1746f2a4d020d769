package reconciler.writer;

import reconciler.graph.Graph;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import reconciler.manifest.IndexSpec;
import reconciler.storage.ColumnSpec;

/**
 * The Debian archive as a graph: the table schema, and how one writer shard turns its slice of
 * the archive into operations.
 *
 * <p>Shard {@code i} of {@code n} owns the packages at index {@code k} with {@code k % n == i} (in
 * archive order) and the maintainers whose name hash is {@code i} modulo {@code n}. Its packages
 * are cut into batches; each batch yields two operations: {@code packages} (node:Package +
 * edge:DependsOn) and {@code maintainers} (edge:MaintainedBy + the shard's share of
 * node:Maintainer). Shards therefore overlap on tables (lease contention, serialised publishes) and
 * run disjoint operations concurrently (rebased publishes).
 */
public final class DebianImport {
    private DebianImport() {
    }

    public static final String PACKAGE = "node:Package";
    public static final String MAINTAINER = "node:Maintainer";
    public static final String DEPENDS_ON = "edge:DependsOn";
    public static final String MAINTAINED_BY = "edge:MaintainedBy";

    /** The declared schema of the Debian graph (table key → columns). */
    public static Map<String, List<ColumnSpec>> schema() {
        Map<String, List<ColumnSpec>> s = new LinkedHashMap<>();
        s.put(PACKAGE, List.of(new ColumnSpec("name", "utf8"), new ColumnSpec("version", "utf8"), new ColumnSpec("section", "utf8"),
                new ColumnSpec("priority", "utf8"), new ColumnSpec("installed_size_kib", "int64"), new ColumnSpec("maintainer", "utf8"),
                new ColumnSpec("description", "utf8"), new ColumnSpec(EMBEDDING, ColumnSpec.VECTOR64)));
        s.put(MAINTAINER, List.of(new ColumnSpec("name", "utf8"), new ColumnSpec("email", "utf8")));
        s.put(DEPENDS_ON, List.of(new ColumnSpec("src", "utf8"), new ColumnSpec("dst", "utf8"), new ColumnSpec("kind", "utf8"),
                new ColumnSpec("constraint_text", "utf8")));
        s.put(MAINTAINED_BY, List.of(new ColumnSpec("src", "utf8"), new ColumnSpec("dst", "utf8")));
        return s;
    }

    /** node:Package's embedding column: {@link #embedding} of the description. */
    public static final String EMBEDDING = "embedding";

    /**
     * The indexes the Debian graph declares (its catalog, docs/indexes.md): BTREE on
     * {@code node:Package.name}, BITMAP on {@code section}, INVERTED (full text) on
     * {@code description}, IVF_PQ (L2) on {@code embedding}, BTREE on {@code node:Maintainer.name}
     * and on the edges' {@code src}. {@code declaredAt} is 0: {@link Graph#init(String, Map, Map)}
     * sets it to the table's first version.
     */
    public static Map<String, List<IndexSpec>> indexes() {
        long declaredAt = 0;
        Map<String, List<IndexSpec>> m = new LinkedHashMap<>();
        m.put(PACKAGE, List.of(
                new IndexSpec("name_idx", List.of("name"), "BTREE", null, null, declaredAt),
                new IndexSpec("section_idx", List.of("section"), "BITMAP", null, null, declaredAt),
                new IndexSpec("description_fts", List.of("description"), "INVERTED",
                        new TreeMap<>(Map.of("base_tokenizer", "simple", "language", "English", "with_position", "false")), null, declaredAt),
                new IndexSpec("embedding_ivfpq", List.of(EMBEDDING), "IVF_PQ",
                        new TreeMap<>(Map.of("distance", "l2", "num_partitions", "16", "num_sub_vectors", "8", "num_bits", "8")),
                        new TreeMap<>(Map.of("max_iters", "10", "sample_rate", "64")), declaredAt)));
        m.put(MAINTAINER, List.of(new IndexSpec("name_idx", List.of("name"), "BTREE", null, null, declaredAt)));
        m.put(DEPENDS_ON, List.of(new IndexSpec("src_idx", List.of("src"), "BTREE", null, null, declaredAt)));
        m.put(MAINTAINED_BY, List.of(new IndexSpec("src_idx", List.of("src"), "BTREE", null, null, declaredAt)));
        return m;
    }

    /**
     * A deterministic 64-dimensional embedding of a text by feature hashing: every lower-cased
     * token {@code [a-z0-9]+} adds ±1 to the dimension its hash selects (the sign from another hash
     * bit), and the vector is L2-normalised. Empty or null text gives the zero vector. Same text,
     * same vector, on every machine.
     */
    public static float[] embedding(String text) {
        float[] v = new float[ColumnSpec.VECTOR64_DIM];
        if (text == null) {
            return v;
        }
        String lower = text.toLowerCase(java.util.Locale.ROOT);
        int i = 0;
        int n = lower.length();
        while (i < n) {
            while (i < n && !isTokenChar(lower.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && isTokenChar(lower.charAt(i))) {
                i++;
            }
            if (i > start) {
                long h = fnv1a64(lower, start, i);
                int dim = (int) Long.remainderUnsigned(h, ColumnSpec.VECTOR64_DIM);
                v[dim] += ((h >>> 63) == 0) ? 1f : -1f;
            }
        }
        double norm = 0;
        for (float f : v) {
            norm += f * f;
        }
        if (norm > 0) {
            float inv = (float) (1 / Math.sqrt(norm));
            for (int d = 0; d < v.length; d++) {
                v[d] *= inv;
            }
        }
        return v;
    }

    private static boolean isTokenChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }

    private static long fnv1a64(String s, int from, int to) {
        long h = 0xcbf29ce484222325L;
        for (int k = from; k < to; k++) {
            h ^= s.charAt(k);
            h *= 0x100000001b3L;
        }
        return h;
    }

    /**
     * One planned operation.
     *
     * @param label {@code packages#b} or {@code maintainers#b} for batch b
     * @param rows table key → rows
     */
    public record Operation(String label, Map<String, List<Map<String, Object>>> rows) {
        /** Row counts per table. */
        public Map<String, Integer> counts() {
            Map<String, Integer> c = new java.util.TreeMap<>();
            rows.forEach((t, r) -> c.put(t, r.size()));
            return c;
        }
    }

    /**
     * The operations of shard {@code shard} of {@code shards}, in order.
     *
     * @param batchSize packages per batch, >= 1
     */
    public static List<Operation> plan(List<DebianArchive.Package> archive, int shard, int shards, int batchSize) {
        if (shards < 1 || shard < 0 || shard >= shards || batchSize < 1) {
            throw new IllegalArgumentException("need 0 <= shard < shards and batchSize >= 1");
        }
        List<DebianArchive.Package> mine = new ArrayList<>();
        for (int k = 0; k < archive.size(); k++) {
            if (k % shards == shard) {
                mine.add(archive.get(k));
            }
        }
        TreeSet<String> ownedMaintainers = new TreeSet<>();
        for (DebianArchive.Package p : archive) {
            if (p.maintainer() != null && Math.floorMod(p.maintainer().hashCode(), shards) == shard) {
                ownedMaintainers.add(p.maintainer());
            }
        }
        List<String> maintainers = new ArrayList<>(ownedMaintainers);
        int batches = Math.max(1, (mine.size() + batchSize - 1) / batchSize);
        List<Operation> ops = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            List<DebianArchive.Package> batch = mine.subList(Math.min(mine.size(), b * batchSize), Math.min(mine.size(), (b + 1) * batchSize));
            List<Map<String, Object>> pkgs = new ArrayList<>();
            List<Map<String, Object>> deps = new ArrayList<>();
            List<Map<String, Object>> maintainedBy = new ArrayList<>();
            for (DebianArchive.Package p : batch) {
                Map<String, Object> row = new HashMap<>();
                row.put("name", p.name());
                row.put("version", p.version());
                row.put("section", p.section());
                row.put("priority", p.priority());
                row.put("installed_size_kib", p.installedSizeKib());
                row.put("maintainer", p.maintainer());
                row.put("description", p.description());
                row.put(EMBEDDING, embedding(p.description()));
                pkgs.add(row);
                for (DebianArchive.Dependency d : p.depends()) {
                    Map<String, Object> e = new HashMap<>();
                    e.put("src", p.name());
                    e.put("dst", d.name());
                    e.put("kind", d.kind());
                    e.put("constraint_text", d.constraint());
                    deps.add(e);
                }
                if (p.maintainer() != null) {
                    maintainedBy.add(Map.of("src", p.name(), "dst", p.maintainer()));
                }
            }
            List<Map<String, Object>> maint = new ArrayList<>();
            int from = (int) ((long) maintainers.size() * b / batches);
            int to = (int) ((long) maintainers.size() * (b + 1) / batches);
            for (String m : maintainers.subList(from, to)) {
                Map<String, Object> row = new HashMap<>();
                row.put("name", m);
                int lt = m.indexOf('<');
                int gt = m.indexOf('>', lt + 1);
                row.put("email", lt >= 0 && gt > lt ? m.substring(lt + 1, gt) : null);
                maint.add(row);
            }
            Map<String, List<Map<String, Object>>> a = new LinkedHashMap<>();
            a.put(PACKAGE, pkgs);
            a.put(DEPENDS_ON, deps);
            Map<String, List<Map<String, Object>>> c = new LinkedHashMap<>();
            c.put(MAINTAINED_BY, maintainedBy);
            c.put(MAINTAINER, maint);
            if (!pkgs.isEmpty()) {
                ops.add(new Operation("packages#" + b, a));
            }
            if (!maintainedBy.isEmpty() || !maint.isEmpty()) {
                ops.add(new Operation("maintainers#" + b, c));
            }
        }
        return ops;
    }
}
