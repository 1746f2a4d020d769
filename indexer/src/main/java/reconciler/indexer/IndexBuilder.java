package reconciler.indexer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.lance.Dataset;
import org.lance.index.DistanceType;
import org.lance.index.Index;
import org.lance.index.IndexOptions;
import org.lance.index.IndexParams;
import org.lance.index.IndexType;
import org.lance.index.vector.HnswBuildParams;
import org.lance.index.vector.IvfBuildParams;
import org.lance.index.vector.PQBuildParams;
import org.lance.index.vector.SQBuildParams;
import org.lance.index.vector.VectorIndexParams;
import org.lance.index.vector.VectorTrainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reconciler.manifest.IndexSpec;

/**
 * Staged index builds: writes index segments for given fragments of a table version without
 * committing anything (Lance HEAD does not move), per lance-java-notes.md "Staged index builds":
 * {@code createIndex(...withFragmentIds(ids).replace(true))} on a handle at the pinned version;
 * {@code mergeIndexMetadata} after INVERTED and BITMAP segments (else the committed index is
 * broken), BITMAP with {@code shardId(0)}; vector indexes train their IVF centroids (and PQ
 * codebook) first, read-only, and every segment of one build shares that model.
 */
final class IndexBuilder {

    private static final Logger LOG = LoggerFactory.getLogger(IndexBuilder.class);

    private IndexBuilder() {
    }

    /** What a build does. */
    enum Mode {
        /** The index is missing: build over every fragment. */
        FULL,
        /** New fragments are not covered: add a segment for just those (same name, no removals). */
        INCREMENTAL,
        /** The index drifted: build over every fragment and remove every old segment in the same commit. */
        REBUILD
    }

    /**
     * One planned build.
     *
     * @param graphId graph
     * @param table table key
     * @param spec the declaration it builds (as read from the catalog)
     * @param mode what to do
     * @param buildVersion the pinned table version the build reads
     * @param fragments fragment ids → rows to index, in order
     * @param removed for {@link Mode#REBUILD}: the segments the commit removes
     * @param segmentsAtBuild uuids of the index's segments at the build version (the commit checks they are unchanged)
     */
    record Task(String graphId, String table, IndexSpec spec, Mode mode, long buildVersion, Map<Integer, Long> fragments,
                List<Index> removed, Set<UUID> segmentsAtBuild) {
        long rows() {
            return fragments.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /**
     * A finished staged build.
     *
     * @param task the task
     * @param segments the uncommitted segments
     * @param millis build time
     */
    record Built(Task task, List<Index> segments, long millis) {
    }

    /**
     * Builds the task's segments on {@code ds} (a handle at {@code task.buildVersion()}).
     *
     * @throws RuntimeException from Lance
     */
    static Built build(Dataset ds, Task task, MaintenanceOptions opts, ProgressTracker progress) {
        return build(ds, task, opts, progress, new java.util.concurrent.ConcurrentHashMap<>(), "");
    }

    /**
     * A trained vector model (IVF centroids, and the PQ codebook for IVF_PQ).
     *
     * @param centroids IVF centroids
     * @param codebook PQ codebook, or null
     */
    record VectorModel(float[] centroids, float[] codebook) {
    }

    /**
     * Like {@link #build(Dataset, Task, MaintenanceOptions, ProgressTracker)}, with a cache of trained
     * vector models: a full build or rebuild trains and stores the model under {@code modelKey}; an
     * incremental build reuses it when present (as {@code optimizeIndices} reuses the index's model),
     * so appending a few rows does not retrain over the whole table.
     */
    static Built build(Dataset ds, Task task, MaintenanceOptions opts, ProgressTracker progress, Map<String, VectorModel> models,
                       String modelKey) {
        long t0 = System.nanoTime();
        IndexSpec spec = task.spec();
        IndexType type = IndexSpecs.lanceType(spec.type());
        IndexParams params;
        if (IndexSpecs.isVector(spec.type())) {
            VectorModel model = task.mode() == Mode.INCREMENTAL ? models.get(modelKey) : null;
            if (model == null) {
                progress.phase("training");
                model = train(ds, spec, opts);
                models.put(modelKey, model);
            } else {
                LOG.info("{} on {}: incremental segment reuses the model trained by this process's last full build", spec.name(), task.table());
            }
            params = vectorParams(spec, model);
        } else {
            params = IndexSpecs.scalarParams(spec);
        }
        progress.phase("building");
        opts.failpoints().hit(IndexMaintenance.KIND_INDEX_BUILD, "building", task.table() + "/" + spec.name());
        List<Index> segments = new ArrayList<>();
        for (List<Integer> chunk : chunks(task.fragments(), opts.segmentRows())) {
            Index seg = ds.createIndex(IndexOptions.builder(spec.columns(), type, params)
                    .withIndexName(spec.name())
                    .withFragmentIds(chunk)
                    .replace(true)
                    .build());
            if (type == IndexType.INVERTED || type == IndexType.BITMAP) {
                ds.mergeIndexMetadata(seg.uuid().toString(), type, Optional.empty());
            }
            segments.add(seg);
            long rows = chunk.stream().mapToLong(f -> task.fragments().get(f)).sum();
            progress.advance(rows);
            LOG.info("staged build {}", progress.snapshot().line());
        }
        return new Built(task, segments, (System.nanoTime() - t0) / 1_000_000);
    }

    /** Fragments cut into consecutive groups of at most {@code maxRows} rows (at least one fragment each). */
    static List<List<Integer>> chunks(Map<Integer, Long> fragments, long maxRows) {
        List<List<Integer>> out = new ArrayList<>();
        List<Integer> cur = new ArrayList<>();
        long rows = 0;
        for (Map.Entry<Integer, Long> f : fragments.entrySet()) {
            if (!cur.isEmpty() && rows + f.getValue() > maxRows) {
                out.add(cur);
                cur = new ArrayList<>();
                rows = 0;
            }
            cur.add(f.getKey());
            rows += f.getValue();
        }
        if (!cur.isEmpty()) {
            out.add(cur);
        }
        return out;
    }

    /** Trains the vector model on the pinned version (read-only; no version is created). */
    static VectorModel train(Dataset ds, IndexSpec spec, MaintenanceOptions opts) {
        String column = spec.columns().get(0);
        DistanceType dist = IndexSpecs.distance(spec);
        int parts = IndexSpecs.intParam(spec, "num_partitions", 16);
        int iters = IndexSpecs.intParam(spec, "max_iters", opts.vectorMaxIters());
        int sample = IndexSpecs.intParam(spec, "sample_rate", opts.vectorSampleRate());
        float[] centroids = VectorTrainer.trainIvfCentroids(ds, column,
                new IvfBuildParams.Builder().setNumPartitions(parts).setMaxIters(iters).setSampleRate(sample).build(), dist);
        float[] codebook = null;
        if (IndexSpecs.IVF_PQ.equals(spec.type())) {
            codebook = VectorTrainer.trainPqCodebook(ds, column, new PQBuildParams.Builder()
                    .setNumSubVectors(IndexSpecs.intParam(spec, "num_sub_vectors", 8)).setNumBits(IndexSpecs.intParam(spec, "num_bits", 8))
                    .setMaxIters(iters).setSampleRate(sample).build(), dist);
        }
        return new VectorModel(centroids, codebook);
    }

    /** Build parameters carrying a trained model (a staged vector build needs precomputed centroids and codebook). */
    static IndexParams vectorParams(IndexSpec spec, VectorModel model) {
        DistanceType dist = IndexSpecs.distance(spec);
        int parts = IndexSpecs.intParam(spec, "num_partitions", 16);
        int bits = IndexSpecs.intParam(spec, "num_bits", 8);
        IvfBuildParams ivf = new IvfBuildParams.Builder().setNumPartitions(parts).setCentroids(model.centroids()).build();
        VectorIndexParams v;
        if (IndexSpecs.IVF_PQ.equals(spec.type())) {
            v = VectorIndexParams.withIvfPqParams(dist, ivf, new PQBuildParams.Builder()
                    .setNumSubVectors(IndexSpecs.intParam(spec, "num_sub_vectors", 8)).setNumBits(bits).setCodebook(model.codebook()).build());
        } else {
            v = VectorIndexParams.withIvfHnswSqParams(dist, ivf,
                    new HnswBuildParams.Builder().setM(IndexSpecs.intParam(spec, "m", 20))
                            .setEfConstruction(IndexSpecs.intParam(spec, "ef_construction", 150)).build(),
                    new SQBuildParams.Builder().setNumBits((short) bits).build());
        }
        return IndexParams.builder().setVectorIndexParams(v).build();
    }
}
