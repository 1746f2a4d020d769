package reconciler.graph;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import reconciler.manifest.BranchRecord;
import reconciler.manifest.IndexSpec;
import reconciler.manifest.Manifest;
import reconciler.manifest.ManifestStore;
import reconciler.manifest.TablePin;
import reconciler.sidecar.SidecarStore;
import reconciler.storage.ColumnSpec;
import reconciler.storage.GraphStore;
import reconciler.storage.LanceTables;
import reconciler.storage.LocalGraphStore;
import reconciler.storage.TableKey;

/**
 * One graph root opened for reading and writing: its storage, manifests, sidecars and Lance tables.
 * Layout (docs/protocol.md): {@code tables/<kind>-<Name>.lance}, {@code _manifest/},
 * {@code _recovery/}, {@code _audit/}.
 */
public final class Graph implements AutoCloseable {

    /** Durable audit records directory. */
    public static final String AUDIT_DIR = "_audit";
    /** The main branch. */
    public static final String MAIN_BRANCH = reconciler.manifest.Manifest.MAIN_BRANCH;

    private final GraphStore store;
    private final ManifestStore manifests;
    private final SidecarStore sidecars;
    private final LanceTables tables;
    private final Graph main;
    private final String branch;
    private final BranchRecord record;

    /** Opens the graph root behind {@code store} on its main branch. */
    public Graph(GraphStore store) {
        this.store = store;
        this.manifests = new ManifestStore(store);
        this.sidecars = new SidecarStore(store);
        this.tables = new LanceTables(store);
        this.main = this;
        this.branch = MAIN_BRANCH;
        this.record = null;
    }

    private Graph(Graph main, String branch, BranchRecord record) {
        this.store = main.store;
        this.manifests = new ManifestStore(main.store, record.manifestDir());
        this.sidecars = main.sidecars;
        String lance = record.lanceBranch(branch);
        this.tables = main.tables.onLanceBranches(t -> lance);
        this.main = main;
        this.branch = branch;
        this.record = record;
    }

    /**
     * This graph on branch {@code name} (docs/protocol.md "Branches"): its own manifest sequence, the same
     * sidecars directory, and tables resolved to the branch's Lance branch of each dataset (where its writes
     * land once a table is forked). {@code main} gives the main graph. Closing a branch view closes nothing.
     *
     * @throws BranchNotFoundException if main's latest manifest does not list the branch (the list is the authority)
     * @throws IOException if main's manifest cannot be read
     */
    public Graph onBranch(String name) throws IOException {
        if (name == null || MAIN_BRANCH.equals(name)) {
            return main;
        }
        Manifest m = main.manifests.require();
        BranchRecord r = m.branches().get(name);
        if (r == null) {
            throw new BranchNotFoundException(m.graphId(), name, m.branches().keySet());
        }
        return new Graph(main, name, r);
    }

    /** This view's branch ({@value #MAIN_BRANCH} for the main graph). */
    public String branch() {
        return branch;
    }

    /** The branch's record in main's list, or null for main. */
    public BranchRecord branchRecord() {
        return record;
    }

    /** The Lance branch this view's writes land on (its own fork of each table), or null for main. */
    public String lanceBranch() {
        return record == null ? null : record.lanceBranch(branch);
    }

    /** The main graph this view belongs to (itself for main). */
    public Graph main() {
        return main;
    }

    /** Tables resolved to the Lance branches a manifest's pins name (reading at those pins). */
    public LanceTables tablesAt(Manifest m) {
        boolean anyBranch = m.tables().values().stream().anyMatch(p -> p.lanceBranch() != null);
        return anyBranch ? main.tables.onLanceBranches(t -> {
            TablePin p = m.tables().get(t.toString());
            return p == null ? null : p.lanceBranch();
        }) : main.tables;
    }

    /** Opens a local directory graph root. */
    public static Graph local(java.nio.file.Path root) {
        return new Graph(new LocalGraphStore(root));
    }

    public GraphStore store() { return store; }
    public ManifestStore manifests() { return manifests; }
    public SidecarStore sidecars() { return sidecars; }
    public LanceTables tables() { return tables; }

    /**
     * Creates every declared table as an empty Lance dataset and publishes manifest version 1
     * pinning them.
     *
     * @throws IllegalStateException if the root already has a manifest
     * @throws IOException on a storage error
     */
    public Manifest init(String graphId, Map<String, List<ColumnSpec>> schema) throws IOException {
        return init(graphId, schema, Map.of());
    }

    /**
     * Like {@link #init(String, Map)}, and declares indexes in the catalog of manifest version 1
     * (docs/indexes.md); the indexer builds them.
     *
     * @param indexes table key → declared indexes (tables left out declare none)
     * @throws IllegalArgumentException if an index names an unknown table or column
     */
    public Manifest init(String graphId, Map<String, List<ColumnSpec>> schema, Map<String, List<IndexSpec>> indexes) throws IOException {
        if (manifests.latest().isPresent()) {
            throw new IllegalStateException("graph root " + store.root() + " already has a manifest");
        }
        for (String t : indexes.keySet()) {
            if (!schema.containsKey(t)) {
                throw new IllegalArgumentException("indexes declared for table " + t + ", which the schema does not have");
            }
        }
        SortedMap<String, TablePin> pins = new TreeMap<>();
        for (Map.Entry<String, List<ColumnSpec>> e : schema.entrySet()) {
            long v = tables.createIfAbsent(TableKey.parse(e.getKey()), e.getValue());
            List<IndexSpec> declared = indexes.getOrDefault(e.getKey(), List.of()).stream().map(i -> i.declaredAt(v)).toList();
            pins.put(e.getKey(), new TablePin(v, 0, e.getValue(), declared));
        }
        return manifests.init(graphId, pins);
    }

    /** A snapshot at the latest manifest version (no lease needed to read). @throws IOException */
    public GraphSnapshot snapshot() throws IOException {
        return new GraphSnapshot(this, manifests.require());
    }

    /**
     * A snapshot at manifest version {@code version}.
     *
     * @throws IllegalArgumentException if that version does not exist
     * @throws IOException if it cannot be read
     */
    public GraphSnapshot snapshot(long version) throws IOException {
        return new GraphSnapshot(this, manifests.read(version).orElseThrow(() -> new IllegalArgumentException(
                "graph root " + store.root() + " has no manifest version " + version)));
    }

    @Override
    public void close() {
        if (main != this) {
            return;
        }
        tables.close();
        store.close();
    }
}
