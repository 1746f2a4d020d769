package com.example.social;

import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import reconciler.graph.GraphSession;
import reconciler.graph.GraphSnapshot;
import reconciler.graph.GraphTransaction;
import reconciler.graph.ScanResult;
import reconciler.storage.ArrowRows;

/**
 * An application that keeps a small social graph with the graph library: it creates two tables
 * from Arrow schemas, writes people and their friendships in one transaction, updates and deletes
 * in a second, and reads everything back at one manifest version. A reconciler daemon on the same
 * host (its embedded ZooKeeper on 127.0.0.1:2281) heals the graph if this process dies mid-write.
 *
 * <p>Run: {@code java -cp ... com.example.social.SocialGraph /var/lib/graphs/social [zookeeper]}.
 */
public final class SocialGraph {
    private SocialGraph() {
    }

    static final Schema PERSON = new Schema(List.of(
            new Field("id", FieldType.notNullable(new ArrowType.Int(64, true)), null),
            Field.nullable("name", ArrowType.Utf8.INSTANCE),
            Field.nullable("city", ArrowType.Utf8.INSTANCE)));
    static final Schema KNOWS = new Schema(List.of(
            Field.nullable("src", new ArrowType.Int(64, true)),
            Field.nullable("dst", new ArrowType.Int(64, true))));

    /** Writes and reads the graph at {@code root}; returns what the final read saw, one line per person. */
    public static List<String> run(String root, String zookeeper) throws Exception {
        GraphSession.Options options = GraphSession.Options.defaults().withZookeeper(zookeeper);
        try (GraphSession graph = GraphSession.open(root, options)) {
            graph.init("social", Map.of("node:Person", PERSON, "edge:Knows", KNOWS));
            var alloc = graph.graph().tables().allocator();

            // One atomic operation across two tables.
            try (GraphTransaction tx = graph.begin("social-app")) {
                tx.append("node:Person", ArrowRows.reader(alloc, PERSON, List.of(
                        Map.of("id", 1L, "name", "Ada", "city", "London"),
                        Map.of("id", 2L, "name", "Grace", "city", "Arlington"),
                        Map.of("id", 3L, "name", "Edsger", "city", "Austin")), 1024));
                tx.append("edge:Knows", ArrowRows.reader(alloc, KNOWS, List.of(
                        Map.of("src", 1L, "dst", 2L), Map.of("src", 2L, "dst", 3L)), 1024));
                GraphTransaction.Result r = tx.commit();
                System.out.println("wrote operation " + r.operationId() + " as manifest v" + r.manifestVersion());
            }

            // Grace moves (upsert by id), Edsger leaves with his friendships (deletes).
            try (GraphTransaction tx = graph.begin("social-app")) {
                tx.upsert("node:Person", List.of("id"), ArrowRows.reader(alloc, PERSON,
                        List.of(Map.of("id", 2L, "name", "Grace", "city", "New York")), 1024));
                tx.delete("edge:Knows", "src = 3 OR dst = 3");
                tx.commit();
            }

            // Every table read at the pins of one manifest version.
            try (GraphSnapshot snap = graph.snapshot();
                 ScanResult people = snap.scan("node:Person", List.of("id", "name", "city"), "id <= 2", 0)) {
                List<String> seen = new java.util.ArrayList<>();
                while (people.loadNextBatch()) {
                    VectorSchemaRoot b = people.getVectorSchemaRoot();
                    for (int i = 0; i < b.getRowCount(); i++) {
                        seen.add(b.getVector("name").getObject(i) + " in " + b.getVector("city").getObject(i));
                    }
                }
                System.out.println("manifest v" + snap.version() + ": " + seen + ", " + snap.count("edge:Knows", null) + " friendship(s)");
                return seen;
            }
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: SocialGraph GRAPH_ROOT [ZOOKEEPER (default 127.0.0.1:2281)]");
            System.exit(2);
        }
        run(args[0], args.length > 1 ? args[1] : "127.0.0.1:2281");
    }
}
