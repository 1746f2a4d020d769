package reconciler.manifest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.atomic.AtomicLong;
import reconciler.storage.GraphStore;
import reconciler.storage.Json;

/**
 * Reads and publishes manifest versions under {@code _manifest/} of a graph root.
 *
 * <p>Layout (protocol v1, docs/protocol.md): version N is the immutable object
 * {@code _manifest/NNNNNNNNNNNNNNNNNNNN.json} (20 zero-padded digits). Versions are dense: N+1 is
 * only ever created on top of N. A publish is a compare-and-swap: create N+1 only if absent
 * ({@link GraphStore#createIfAbsent}). {@code _manifest/latest-hint} is a best-effort pointer; it is
 * never trusted beyond "start probing here".
 *
 * <p>Thread-safe.
 */
public final class ManifestStore {

    /** Directory of manifest versions. */
    public static final String DIR = "_manifest";

    private final GraphStore store;
    private final String dir;
    private final String hint;
    private final AtomicLong lastKnown = new AtomicLong(0);
    /** The newest version this store read (immutable, so {@link #latest} hands it out again while it is the latest). */
    private final java.util.concurrent.atomic.AtomicReference<Manifest> lastRead = new java.util.concurrent.atomic.AtomicReference<>();

    /** The main manifest sequence of the graph root behind {@code store}. */
    public ManifestStore(GraphStore store) {
        this(store, DIR);
    }

    /** How many recently read versions a store keeps parsed (a recovery reads the few versions since a sidecar's base). */
    static final int RECENT = 8;
    private final java.util.LinkedHashMap<Long, Manifest> recent = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<Long, Manifest> eldest) {
            return size() > RECENT;
        }
    };

    private Manifest recent(long version) {
        synchronized (recent) {
            return recent.get(version);
        }
    }

    private void remember(Manifest m) {
        synchronized (recent) {
            recent.put(m.version(), m);
        }
    }

    /**
     * The manifest sequence stored under {@code dir}: {@link #DIR} for main, a branch's
     * {@link BranchRecord#manifestDir()} for a branch (docs/protocol.md "Branches"); same rules.
     */
    public ManifestStore(GraphStore store, String dir) {
        this.store = store;
        this.dir = dir;
        this.hint = dir + "/latest-hint";
    }

    /** The storage key of main manifest version {@code version}. */
    public static String key(long version) {
        return key(DIR, version);
    }

    private static String key(String dir, long version) {
        return String.format("%s/%020d.json", dir, version);
    }

    /** The storage key of version {@code version} of this sequence. */
    public String keyOf(long version) {
        return key(dir, version);
    }

    /**
     * Reads one manifest version.
     *
     * @return the manifest, or empty if that version does not exist
     * @throws ManifestCorruptException if the object is unreadable or disagrees with its key
     * @throws IOException on a storage error
     */
    public Optional<Manifest> read(long version) throws IOException {
        Manifest known = recent(version);
        if (known != null) {
            return Optional.of(known); // versions are immutable and never deleted: no request, no parse
        }
        Optional<byte[]> bytes = store.read(keyOf(version));
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        Manifest m;
        try {
            m = Json.MAPPER.readValue(bytes.get(), Manifest.class);
        } catch (IOException e) {
            throw new ManifestCorruptException("manifest " + keyOf(version) + " in " + store.root() + " is unreadable: " + e.getMessage(), e);
        }
        if (m.formatVersion() < 1 || m.formatVersion() > Manifest.FORMAT_VERSION) {
            throw new ManifestCorruptException("manifest " + keyOf(version) + " has unsupported formatVersion " + m.formatVersion()
                    + " (this reconciler understands 1 to " + Manifest.FORMAT_VERSION + ")", null);
        }
        if (m.version() != version) {
            throw new ManifestCorruptException("manifest " + keyOf(version) + " claims version " + m.version(), null);
        }
        lastRead.accumulateAndGet(m, (a, b) -> a == null || b.version() > a.version() ? b : a);
        remember(m);
        return Optional.of(m);
    }

    /**
     * The latest manifest version. Finds it with one tail listing from the newest version this store
     * has seen (or the advisory hint) on, so its cost does not grow with the graph's history, and
     * checks that the listing starts at that version and continues densely (a gap is never papered
     * over by taking the version below it for the latest). Without a usable starting point the whole
     * directory is listed and checked from version 1.
     *
     * @return the latest manifest, or empty if the graph was never initialised
     * @throws ManifestGapException if a version is missing below a listed one
     * @throws ManifestCorruptException if the latest version is unreadable, or one this store saw vanished
     * @throws IOException on a storage error
     */
    public Optional<Manifest> latest() throws IOException {
        long seen = lastKnown.get();
        long start = seen > 0 ? seen : readHint();
        if (start > 0) {
            List<Long> from = versionsAfter(start - 1); // start itself and everything after it
            if (!from.isEmpty()) {
                if (from.get(0) != start) {
                    throw new ManifestGapException(store.root(), start, from.get(0));
                }
                checkDense(start, from.subList(1, from.size()));
                long top = from.get(from.size() - 1);
                Manifest cached = lastRead.get();
                if (cached != null && cached.version() == top) {
                    return Optional.of(cached); // versions are immutable: an idle graph costs one listing, no read
                }
                Manifest m = read(top).orElseThrow(() -> new ManifestCorruptException("manifest " + keyOf(top) + " of graph root "
                        + store.root() + " was listed but is gone (manifest versions are never deleted)", null));
                lastKnown.accumulateAndGet(top, Math::max);
                return Optional.of(m);
            }
            if (seen > 0) {
                throw new ManifestCorruptException("manifest " + keyOf(seen) + " of graph root " + store.root()
                        + " was seen but is gone (manifest versions are never deleted)", null);
            }
            // a hint past the end: fall through to a full listing
        }
        List<Long> all = versionsAfter(0);
        if (all.isEmpty()) {
            return Optional.empty();
        }
        if (all.get(0) != 1) {
            throw new ManifestGapException(store.root(), 1, all.get(0));
        }
        checkDense(1, all.subList(1, all.size()));
        long top = all.get(all.size() - 1);
        Manifest m = read(top).orElseThrow(() -> new ManifestCorruptException("manifest " + keyOf(top) + " of graph root "
                + store.root() + " was listed but is gone", null));
        lastKnown.accumulateAndGet(top, Math::max);
        return Optional.of(m);
    }

    /** Numbers of the manifest version objects listed after version {@code after}, ascending. */
    private List<Long> versionsAfter(long after) throws IOException {
        List<Long> out = new ArrayList<>();
        for (String name : after > 0 ? store.listAfter(dir, keyOf(after).substring(dir.length() + 1)) : store.list(dir)) {
            if (name.length() == 25 && name.endsWith(".json")) {
                try {
                    out.add(Long.parseLong(name.substring(0, 20)));
                } catch (NumberFormatException e) {
                    // not a manifest version object
                }
            }
        }
        return out;
    }

    /** @throws ManifestGapException unless {@code listed} is exactly {@code from + 1, from + 2, ...} */
    private void checkDense(long from, List<Long> listed) throws ManifestGapException {
        long expect = from + 1;
        for (long v : listed) {
            if (v != expect) {
                throw new ManifestGapException(store.root(), expect, v);
            }
            expect++;
        }
    }

    /**
     * The latest manifest, which must exist.
     *
     * @throws NotAGraphRootException if the root has no manifest ("not a graph root")
     * @throws IOException on a storage error
     */
    public Manifest require() throws IOException {
        return latest().orElseThrow(() -> new NotAGraphRootException("no manifest under " + store.root() + "/" + dir
                + ": not a graph root (run 'reconciler graph init')"));
    }

    private long readHint() throws IOException {
        Optional<byte[]> h = store.read(hint);
        if (h.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(new String(h.get(), StandardCharsets.US_ASCII).trim());
        } catch (NumberFormatException e) {
            return 0; // the hint is advisory; a bad one only costs a listing
        }
    }

    /**
     * Writes manifest version 1 of a new graph.
     *
     * @throws IllegalStateException if the graph root already has a manifest
     * @throws IOException on a storage error
     */
    public Manifest init(String graphId, SortedMap<String, TablePin> tables) throws IOException {
        Manifest m = new Manifest(Manifest.formatFor(Manifest.KIND_INIT, tables), graphId, 1, 0, "init", Manifest.KIND_INIT,
                java.time.Instant.now(), tables);
        if (!store.createIfAbsent(keyOf(1), Json.MAPPER.writeValueAsBytes(m))) {
            throw new IllegalStateException("graph root " + store.root() + " already has a manifest");
        }
        lastKnown.accumulateAndGet(1, Math::max);
        return m;
    }

    /**
     * Publishes a new manifest version that moves the pins of {@code updates} and keeps every
     * other table's pin. Compare-and-swap with rebase: on losing the race for version N+1 the
     * publisher re-reads the latest version and retries as long as the pins of its own tables are
     * unchanged, so publishers of disjoint tables both succeed.
     *
     * @param operationId the operation published (a writer's ULID)
     * @param kind {@link Manifest#KIND_WRITE}, {@link Manifest#KIND_ROLL_FORWARD}, {@link Manifest#KIND_ROLL_BACK}, ...;
     *     an update with {@link PinUpdate#indexes()} also replaces the table's catalog
     * @return the manifest this call created
     * @throws FencedOffException if an update's fencing token is below the table's recorded token
     * @throws ManifestConflictException if a table's latest pin differs from its expected version, or its
     *     catalog from {@link PinUpdate#expectedIndexes()}
     * @throws IOException on a storage error
     */
    public Manifest publish(String operationId, String kind, List<PinUpdate> updates)
            throws IOException, ManifestConflictException, FencedOffException {
        while (true) {
            Manifest cur = require();
            Map<String, TablePin> moved = new HashMap<>();
            for (PinUpdate u : updates) {
                TablePin pin = cur.pin(u.tableKey());
                if (u.fencingToken() < pin.fencingToken()) {
                    throw new FencedOffException(cur.graphId(), u.tableKey(), u.fencingToken(), pin.fencingToken());
                }
                if (pin.version() != u.expectedVersion()) {
                    throw new ManifestConflictException(cur.graphId(), u.tableKey(), u.expectedVersion(), pin.version(), cur.version());
                }
                if (u.expectedIndexes() != null && !u.expectedIndexes().equals(pin.indexes())) {
                    throw new ManifestConflictException(cur.graphId(), u.tableKey(), pin.version(), cur.version(),
                            "expected indexes " + names(u.expectedIndexes()) + ", found " + names(pin.indexes()));
                }
                TablePin next = pin.moved(u.newVersion(), u.fencingToken());
                moved.put(u.tableKey(), u.indexes() == null ? next : next.withIndexes(u.indexes()));
            }
            Manifest next = Manifest.next(cur, operationId, kind, moved);
            if (createNext(next)) {
                return next;
            }
        }
    }

    /**
     * Publishes a new manifest version that adds tables ({@link Manifest#KIND_CREATE_TABLE}) or
     * removes them ({@link Manifest#KIND_DROP_TABLE}); every other pin is kept. Compare-and-swap with
     * rebase like {@link #publish}. The caller holds the leases of the tables named.
     *
     * @param added new tables and their first pins; none may exist in the latest manifest
     * @param removed tables to remove; each must exist
     * @return the manifest this call created
     * @throws ManifestConflictException if an added table exists already or a removed one does not
     * @throws IOException on a storage error
     */
    public Manifest publishTables(String operationId, String kind, Map<String, TablePin> added, java.util.Set<String> removed)
            throws IOException, ManifestConflictException {
        while (true) {
            Manifest cur = require();
            for (String t : added.keySet()) {
                if (cur.tables().containsKey(t)) {
                    throw ManifestConflictException.tableSet(cur.graphId(), t, cur.version(), "exists already");
                }
            }
            for (String t : removed) {
                if (!cur.tables().containsKey(t)) {
                    throw ManifestConflictException.tableSet(cur.graphId(), t, cur.version(), "does not exist");
                }
            }
            Manifest next = Manifest.next(cur, operationId, kind, added, removed);
            if (createNext(next)) {
                return next;
            }
        }
    }

    /**
     * Publishes whole pins (a fork moves a pin onto a Lance branch, a merge takes the source's pins):
     * compare-and-swap on each named table's current pin (version and Lance branch), fencing-checked with
     * {@code tokens}; every other pin is kept.
     *
     * @param expected the pins the publisher read, by table
     * @param next the pins to publish (their fencing tokens are raised to {@code tokens})
     * @throws FencedOffException if a token is below a table's recorded one
     * @throws ManifestConflictException if a table's pin is not the expected one
     * @throws IOException on a storage error
     */
    public Manifest publishPins(String operationId, String kind, Map<String, TablePin> expected, Map<String, TablePin> next,
                                Map<String, Long> tokens) throws IOException, ManifestConflictException, FencedOffException {
        while (true) {
            Manifest cur = require();
            Map<String, TablePin> moved = new HashMap<>();
            for (Map.Entry<String, TablePin> e : next.entrySet()) {
                TablePin pin = cur.pin(e.getKey());
                TablePin exp = expected.get(e.getKey());
                long token = tokens.getOrDefault(e.getKey(), 0L);
                if (token < pin.fencingToken()) {
                    throw new FencedOffException(cur.graphId(), e.getKey(), token, pin.fencingToken());
                }
                if (exp == null || pin.version() != exp.version() || !java.util.Objects.equals(pin.lanceBranch(), exp.lanceBranch())) {
                    throw new ManifestConflictException(cur.graphId(), e.getKey(), exp == null ? -1 : exp.version(), pin.version(), cur.version());
                }
                TablePin n = e.getValue();
                moved.put(e.getKey(), new TablePin(n.version(), Math.max(token, Math.max(pin.fencingToken(), n.fencingToken())),
                        n.columns(), n.indexes(), n.lanceBranch()));
            }
            Manifest m = Manifest.next(cur, operationId, kind, moved);
            if (createNext(m)) {
                return m;
            }
        }
    }

    /** The storage this sequence lives in. */
    GraphStore store() {
        return store;
    }

    /** Records that version {@code v} exists (the start of the next tail listing). */
    void seen(long v) {
        lastKnown.accumulateAndGet(v, Math::max);
    }

    /** The compare-and-swap: creates version N+1 only if absent, then moves the advisory hint. @return whether it won */
    boolean createNext(Manifest next) throws IOException {
        if (!store.createIfAbsent(keyOf(next.version()), Json.MAPPER.writeValueAsBytes(next))) {
            return false;
        }
        lastKnown.accumulateAndGet(next.version(), Math::max);
        try {
            store.replace(hint, Long.toString(next.version()).getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            // advisory only
        }
        return true;
    }

    private static List<String> names(List<IndexSpec> specs) {
        return specs.stream().map(IndexSpec::name).toList();
    }

    /**
     * Finds the manifest version published by {@code operationId}, scanning versions after
     * {@code afterVersion} up to the latest (a sidecar's base version bounds the scan).
     *
     * @return the first manifest whose operation id matches, or empty
     * @throws ManifestGapException if a version in the range is missing
     * @throws IOException on a storage error or a corrupt manifest
     */
    public Optional<Manifest> findOperation(String operationId, long afterVersion) throws IOException {
        Manifest latest = require();
        for (long v = latest.version(); v > afterVersion; v--) {
            Manifest m = v == latest.version() ? latest : readBelow(v, latest.version());
            if (operationId.equals(m.operationId())) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    /**
     * Manifest versions after {@code afterVersion} (oldest first), up to the latest.
     *
     * @throws ManifestGapException if one of them is missing
     * @throws IOException on a storage error or a corrupt manifest
     */
    public List<Manifest> history(long afterVersion) throws IOException {
        Manifest latest = require();
        List<Manifest> out = new ArrayList<>();
        for (long v = afterVersion + 1; v <= latest.version(); v++) {
            out.add(v == latest.version() ? latest : readBelow(v, latest.version()));
        }
        return out;
    }

    /** Version {@code v}, which must exist because {@code latest} does. */
    private Manifest readBelow(long v, long latest) throws IOException {
        Optional<Manifest> m = read(v);
        if (m.isEmpty()) {
            throw new ManifestGapException(store.root(), v, latest);
        }
        return m.get();
    }
}
