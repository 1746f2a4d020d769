package reconciler.indexer;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.lance.Dataset;
import org.lance.compaction.CompactionTask;
import org.lance.index.Index;
import org.lance.index.IndexType;
import reconciler.manifest.IndexSpec;
import reconciler.storage.Json;

/**
 * The lease-free, expensive part of maintenance as a self-contained request, so that it can run
 * in a low-priority child process ({@link LowPriorityWorker}): a staged index build (vector
 * training and segment builds on a pinned version; nothing committed) or the rewrite of
 * compaction tasks. Requests and results are JSON lines; Lance objects cross as their fields
 * ({@link Index}) or Java serialization (compaction tasks and results, which lance-java makes
 * {@code Serializable}). The child side is {@link #serve}; the daemon's launcher calls it from
 * its own {@code main}.
 */
public final class StagedWork {
    static final String BUILD = "build";
    static final String COMPACT = "compact";

    private StagedWork() {
    }

    /**
     * The child's side: reads one request from {@code in}, does it, and writes progress lines
     * ({@code PHASE <name>}, {@code PROGRESS <rows>}), then {@code PRIORITY <nice> <io class>}
     * and {@code RESULT <json>} to {@code out}. On failure writes {@code ERROR <message>}.
     *
     * @return the process exit code: 0 done, 1 failed
     */
    public static int serve(InputStream in, PrintStream out) {
        try {
            Map<String, Object> req = Json.LINE.readValue(in.readAllBytes(), new TypeReference<Map<String, Object>>() { });
            Map<String, Object> result;
            try (BufferAllocator allocator = new RootAllocator();
                 Dataset ds = open(allocator, req)) {
                result = switch ((String) req.get("kind")) {
                    case BUILD -> build(ds, req, out);
                    case COMPACT -> compact(ds, req);
                    default -> throw new IllegalArgumentException("unknown request kind " + req.get("kind"));
                };
            }
            out.println("PRIORITY " + ownNice() + " " + ownIoClass());
            out.println("RESULT " + Json.LINE.writeValueAsString(result));
            out.flush();
            return 0;
        } catch (Exception | Error e) {
            out.println("ERROR " + IndexMaintenance.firstLine(e).replace('\n', ' '));
            out.flush();
            return 1;
        }
    }

    private static Dataset open(BufferAllocator allocator, Map<String, Object> req) {
        @SuppressWarnings("unchecked")
        Map<String, String> storage = (Map<String, String>) req.get("storageOptions");
        return reconciler.storage.LanceTables.open(allocator, (String) req.get("uri"), storage, ((Number) req.get("version")).longValue());
    }

    // ------------------------------------------------------------------ index builds

    /** The request of a staged build of {@code task} on {@code uri} at the task's build version. */
    static Map<String, Object> buildRequest(String uri, Map<String, String> storageOptions, IndexBuilder.Task task, MaintenanceOptions opts,
                                            IndexBuilder.VectorModel model) {
        Map<String, Object> r = base(BUILD, uri, storageOptions, task.buildVersion());
        r.put("graphId", task.graphId());
        r.put("table", task.table());
        r.put("spec", Json.LINE.convertValue(task.spec(), new TypeReference<Map<String, Object>>() { }));
        r.put("mode", task.mode().name());
        List<List<Long>> frags = new ArrayList<>();
        task.fragments().forEach((f, rows) -> frags.add(List.of((long) f, rows)));
        r.put("fragments", frags);
        r.put("segmentRows", opts.segmentRows());
        r.put("vectorMaxIters", opts.vectorMaxIters());
        r.put("vectorSampleRate", opts.vectorSampleRate());
        if (model != null) {
            r.put("model", modelJson(model));
        }
        return r;
    }

    private static Map<String, Object> build(Dataset ds, Map<String, Object> req, PrintStream out) {
        IndexSpec spec = Json.LINE.convertValue(req.get("spec"), IndexSpec.class);
        LinkedHashMap<Integer, Long> frags = new LinkedHashMap<>();
        for (Object o : (List<?>) req.get("fragments")) {
            List<?> p = (List<?>) o;
            frags.put(((Number) p.get(0)).intValue(), ((Number) p.get(1)).longValue());
        }
        IndexBuilder.Task task = new IndexBuilder.Task((String) req.get("graphId"), (String) req.get("table"), spec,
                IndexBuilder.Mode.valueOf((String) req.get("mode")), ((Number) req.get("version")).longValue(), frags, List.of(), Set.of());
        MaintenanceOptions opts = MaintenanceOptions.defaults().segmentRows(((Number) req.get("segmentRows")).longValue())
                .vectorMaxIters(((Number) req.get("vectorMaxIters")).intValue())
                .vectorSampleRate(((Number) req.get("vectorSampleRate")).intValue());
        Map<String, IndexBuilder.VectorModel> models = new HashMap<>();
        if (req.get("model") != null) {
            models.put("m", model(req.get("model")));
        }
        ProgressTracker progress = new ProgressTracker(task.graphId(), task.table(), spec.name(), task.rows()) {
            @Override
            void phase(String p) {
                super.phase(p);
                out.println("PHASE " + p);
                out.flush();
            }

            @Override
            void advance(long rows) {
                super.advance(rows);
                out.println("PROGRESS " + rows);
                out.flush();
            }
        };
        IndexBuilder.Built b = IndexBuilder.build(ds, task, opts, progress, models, "m");
        Map<String, Object> r = new LinkedHashMap<>();
        List<Map<String, Object>> segs = new ArrayList<>();
        b.segments().forEach(s -> segs.add(indexJson(s)));
        r.put("segments", segs);
        r.put("millis", b.millis());
        IndexBuilder.VectorModel trained = models.get("m");
        if (trained != null) {
            r.put("model", modelJson(trained));
        }
        return r;
    }

    /** Segments of a build result. */
    static List<Index> segments(Map<String, Object> result) {
        List<Index> out = new ArrayList<>();
        for (Object o : (List<?>) result.get("segments")) {
            out.add(index((Map<?, ?>) o));
        }
        return out;
    }

    /** The trained model a build result carries, or null. */
    static IndexBuilder.VectorModel model(Object json) {
        if (json == null) {
            return null;
        }
        Map<?, ?> m = (Map<?, ?>) json;
        return new IndexBuilder.VectorModel(floats((String) m.get("centroids")), m.get("codebook") == null ? null : floats((String) m.get("codebook")));
    }

    private static Map<String, Object> modelJson(IndexBuilder.VectorModel m) {
        Map<String, Object> j = new HashMap<>();
        j.put("centroids", floats(m.centroids()));
        if (m.codebook() != null) {
            j.put("codebook", floats(m.codebook()));
        }
        return j;
    }

    static Map<String, Object> indexJson(Index i) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("uuid", i.uuid().toString());
        j.put("fields", i.fields());
        j.put("name", i.name());
        j.put("datasetVersion", i.datasetVersion());
        i.fragments().ifPresent(f -> j.put("fragments", f));
        i.indexDetails().ifPresent(d -> j.put("indexDetails", Base64.getEncoder().encodeToString(d)));
        i.baseId().ifPresent(b -> j.put("baseId", b));
        j.put("indexVersion", i.indexVersion());
        i.createdAt().ifPresent(t -> j.put("createdAt", t.toString()));
        j.put("indexType", i.indexType() == null ? null : i.indexType().name());
        return j;
    }

    static Index index(Map<?, ?> j) {
        Index.Builder b = Index.builder().uuid(UUID.fromString((String) j.get("uuid"))).name((String) j.get("name"))
                .fields(ints(j.get("fields"))).datasetVersion(((Number) j.get("datasetVersion")).longValue())
                .indexVersion(((Number) j.get("indexVersion")).intValue());
        if (j.get("fragments") != null) {
            b.fragments(ints(j.get("fragments")));
        }
        if (j.get("indexDetails") != null) {
            b.indexDetails(Base64.getDecoder().decode((String) j.get("indexDetails")));
        }
        if (j.get("baseId") != null) {
            b.baseId(((Number) j.get("baseId")).intValue());
        }
        if (j.get("createdAt") != null) {
            b.createdAt(Instant.parse((String) j.get("createdAt")));
        }
        if (j.get("indexType") != null) {
            b.indexType(IndexType.valueOf((String) j.get("indexType")));
        }
        return b.build();
    }

    // ------------------------------------------------------------------ compaction

    /** The request to rewrite one compaction task on {@code uri} at {@code version}. */
    static Map<String, Object> compactRequest(String uri, Map<String, String> storageOptions, long version, CompactionTask task) {
        Map<String, Object> r = base(COMPACT, uri, storageOptions, version);
        r.put("task", serialize(task));
        return r;
    }

    private static Map<String, Object> compact(Dataset ds, Map<String, Object> req) {
        CompactionTask task = (CompactionTask) deserialize((String) req.get("task"));
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("result", serialize(task.execute(ds)));
        return r;
    }

    static String serialize(Serializable o) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialize " + o.getClass().getName() + ": " + e, e);
        }
        return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }

    static Object deserialize(String base64) {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(base64)))) {
            return in.readObject();
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalStateException("cannot deserialize: " + e, e);
        }
    }

    // ------------------------------------------------------------------ helpers

    private static Map<String, Object> base(String kind, String uri, Map<String, String> storageOptions, long version) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("kind", kind);
        r.put("uri", uri);
        r.put("storageOptions", storageOptions);
        r.put("version", version);
        return r;
    }

    private static List<Integer> ints(Object o) {
        List<Integer> out = new ArrayList<>();
        for (Object x : (List<?>) o) {
            out.add(((Number) x).intValue());
        }
        return out;
    }

    private static String floats(float[] f) {
        ByteBuffer b = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(f);
        return Base64.getEncoder().encodeToString(b.array());
    }

    private static float[] floats(String base64) {
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(base64)).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[b.remaining() / 4];
        b.asFloatBuffer().get(f);
        return f;
    }

    /** This process's nice value ({@code /proc/self/stat} field 19), or "?" where unreadable. */
    static String ownNice() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"), StandardCharsets.US_ASCII);
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return f[16]; // field 19 overall: the fields after "pid (comm) " start at field 3
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    /** This process's I/O scheduling class as {@code ionice -p <pid>} names it ({@code idle}), or "?". */
    static String ownIoClass() {
        try {
            Process p = new ProcessBuilder("ionice", "-p", Long.toString(ProcessHandle.current().pid())).redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            p.waitFor();
            int colon = s.indexOf(':');
            return (colon < 0 ? s : s.substring(0, colon)).replace(' ', '-');
        } catch (IOException | RuntimeException e) {
            return "?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }
}
