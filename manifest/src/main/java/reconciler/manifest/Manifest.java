package reconciler.manifest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One immutable manifest version: the complete, atomic state of a graph.
 *
 * @param formatVersion manifest format: the lowest of the versions this reconciler writes that can express
 *     the content ({@link #formatFor}): 1, or {@value #FORMAT_VERSION} when a pin declares indexes, a column
 *     has a type outside format 1's three or the kind is one format 1 lacks (docs/protocol.md "Format
 *     compatibility")
 * @param graphId the graph's identity (stable across versions)
 * @param version this version, 1 for the manifest written by {@code graph init}
 * @param previousVersion the version this one was published on top of (0 for version 1)
 * @param operationId the operation that published it (a writer's ULID, or {@code init})
 * @param kind how it was published: {@code init}, {@code write} (a writer's phase C),
 *     {@code roll_forward}, {@code roll_back} or {@code abort} (the reconciler, for
 *     {@code operationId}; an abort moves no pin but records the reconciler's fencing tokens),
 *     {@code repair} (the reconciler reverted fenced-off commits), {@code catalog}, {@code index},
 *     {@code compact} (the indexer, docs/indexes.md), {@code branch_create}, {@code branch_delete}, {@code fork},
 *     {@code merge} (branches, format 3)
 * @param publishedAt wall-clock time of the publish (informational)
 * @param tables every table's pin, keyed by table key ({@code node:Package})
 * @param branch null for the main manifest sequence; the branch's name in a branch's own sequence (format 3)
 * @param branches the main manifest's branch list (format 3), the authority for "a branch exists"; empty
 *     (omitted) in a graph without branches and in branch manifests
 * @param deletedBranches names of deleted branches (main manifest, format 3): a pending sidecar of such a branch
 *     is orphaned and discarded; a sidecar naming a branch that was never listed stays refused
 */
public record Manifest(int formatVersion, String graphId, long version, long previousVersion,
                       String operationId, String kind, Instant publishedAt, SortedMap<String, TablePin> tables,
                       @JsonSetter(nulls = Nulls.AS_EMPTY) @JsonInclude(JsonInclude.Include.NON_EMPTY) String branch,
                       @JsonSetter(nulls = Nulls.AS_EMPTY) @JsonInclude(JsonInclude.Include.NON_EMPTY) SortedMap<String, BranchRecord> branches,
                       @JsonSetter(nulls = Nulls.AS_EMPTY) @JsonInclude(JsonInclude.Include.NON_EMPTY) SortedSet<String> deletedBranches) {

    /** The newest manifest format version: this reconciler reads 1 to this one and refuses a higher one. */
    public static final int FORMAT_VERSION = 3;

    /** A main-sequence manifest without branches. */
    public Manifest(int formatVersion, String graphId, long version, long previousVersion,
                    String operationId, String kind, Instant publishedAt, SortedMap<String, TablePin> tables) {
        this(formatVersion, graphId, version, previousVersion, operationId, kind, publishedAt, tables, null, null, null);
    }

    /** The kinds of format 1 (protocol v1's first releases); every other kind needs format 2. */
    static final java.util.Set<String> FORMAT_1_KINDS = java.util.Set.of("init", "write", "roll_forward", "roll_back", "abort", "repair");

    /** The column types of format 1; every other type of the Arrow type grammar needs format 2. */
    static final java.util.Set<String> FORMAT_1_TYPES = java.util.Set.of("utf8", "int64", "vector64");

    /** The only branch of a protocol v1 graph; a sidecar or lease naming another one is refused. */
    public static final String MAIN_BRANCH = "main";

    public Manifest {
        tables = Collections.unmodifiableSortedMap(new TreeMap<>(tables));
        branch = branch == null || branch.isEmpty() ? null : branch;
        branches = Collections.unmodifiableSortedMap(branches == null ? new TreeMap<>() : new TreeMap<>(branches));
        deletedBranches = Collections.unmodifiableSortedSet(deletedBranches == null ? new TreeSet<>() : new TreeSet<>(deletedBranches));
    }

    /** The name of the branch this manifest belongs to ({@code main} for the main sequence). */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public String branchName() {
        return branch == null ? MAIN_BRANCH : branch;
    }

    /** The pin of a table. @throws IllegalArgumentException if the manifest has no such table */
    public TablePin pin(String tableKey) {
        TablePin p = tables.get(tableKey);
        if (p == null) {
            throw new IllegalArgumentException("graph " + graphId + " manifest v" + version + " has no table " + tableKey);
        }
        return p;
    }

    /** Kinds of manifest versions. */
    public static final String KIND_INIT = "init";
    public static final String KIND_WRITE = "write";
    public static final String KIND_ROLL_FORWARD = "roll_forward";
    public static final String KIND_ROLL_BACK = "roll_back";
    public static final String KIND_ABORT = "abort";
    public static final String KIND_REPAIR = "repair";
    /** The catalog (declared indexes) changed; no pin moved (docs/indexes.md). */
    public static final String KIND_CATALOG = "catalog";
    /** The indexer committed an index build or drop (a writer of kind {@code index-build} / {@code index-drop}). */
    public static final String KIND_INDEX = "index";
    /** The indexer committed a compaction (a writer of kind {@code compaction}). */
    public static final String KIND_COMPACT = "compact";
    /** Tables were added to the graph (their first pins); no other pin moved. */
    public static final String KIND_CREATE_TABLE = "create_table";
    /** Tables were removed from the graph; no other pin moved (their Lance data stays until an operator removes it). */
    public static final String KIND_DROP_TABLE = "drop_table";
    /** Main: a branch was added to the branch list. Branch: version 1 of its sequence (the fork point's pins). */
    public static final String KIND_BRANCH_CREATE = "branch_create";
    /** Main: a branch was removed from the branch list. */
    public static final String KIND_BRANCH_DELETE = "branch_delete";
    /** Branch: a table was forked onto the branch's Lance branch (first touch); its pin moved onto it, same version. */
    public static final String KIND_FORK = "fork";
    /** A branch was merged into this one: pins taken from the source branch. */
    public static final String KIND_MERGE = "merge";

    /** The kinds format 3 adds. */
    static final java.util.Set<String> FORMAT_3_KINDS = java.util.Set.of(KIND_BRANCH_CREATE, KIND_BRANCH_DELETE, KIND_FORK, KIND_MERGE);

    /**
     * The format version a manifest of this kind and these pins is written in: 1 when a format 1 reader
     * understands every part of it (so a graph that uses no newer feature stays readable by older
     * reconcilers during a rolling upgrade), else {@value #FORMAT_VERSION}. Format 2 adds a pin's
     * {@code indexes}, the kinds {@code catalog}, {@code index}, {@code compact}, {@code create_table},
     * {@code drop_table}, and column types beyond {@code utf8}, {@code int64}, {@code vector64}.
     */
    public static int formatFor(String kind, Map<String, TablePin> tables) {
        if (FORMAT_3_KINDS.contains(kind) || tables.values().stream().anyMatch(p -> p.lanceBranch() != null)) {
            return 3;
        }
        if (!FORMAT_1_KINDS.contains(kind)) {
            return 2;
        }
        for (TablePin p : tables.values()) {
            if (!p.indexes().isEmpty() || p.columns().stream().anyMatch(c -> !FORMAT_1_TYPES.contains(c.type()))) {
                return 2;
            }
        }
        return 1;
    }

    static Manifest next(Manifest base, String operationId, String kind, Map<String, TablePin> replacedPins) {
        return next(base, operationId, kind, replacedPins, java.util.Set.of());
    }

    static Manifest next(Manifest base, String operationId, String kind, Map<String, TablePin> replacedPins, java.util.Set<String> removed) {
        TreeMap<String, TablePin> t = new TreeMap<>(base.tables());
        t.putAll(replacedPins);
        t.keySet().removeAll(removed);
        return new Manifest(formatFor(base, kind, t), base.graphId(), base.version() + 1, base.version(), operationId, kind, Instant.now(), t,
                base.branch(), base.branches(), base.deletedBranches());
    }

    /** {@link #formatFor(String, Map)}, and 3 for a manifest of a branch or with a branch list (format 3 fields). */
    static int formatFor(Manifest base, String kind, Map<String, TablePin> tables) {
        return base.branch() != null || !base.branches().isEmpty() || !base.deletedBranches().isEmpty() ? 3 : formatFor(kind, tables);
    }

    /** The next version of main with its branch list replaced; no pin moves. */
    static Manifest nextBranches(Manifest base, String operationId, String kind, SortedMap<String, BranchRecord> branches,
                                 java.util.SortedSet<String> deleted) {
        return new Manifest(3, base.graphId(), base.version() + 1, base.version(), operationId, kind, Instant.now(), base.tables(),
                null, branches, deleted);
    }
}
