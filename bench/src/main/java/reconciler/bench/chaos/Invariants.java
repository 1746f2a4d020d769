package reconciler.bench.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.lance.Dataset;
import org.lance.Fragment;
import org.lance.FragmentMetadata;
import org.lance.ipc.LanceScanner;
import org.lance.ipc.ScanOptions;
import reconciler.cli.WriterLines;
import reconciler.core.AuditLog;
import reconciler.core.AuditRecord;
import reconciler.manifest.Manifest;
import reconciler.manifest.TablePin;
import reconciler.storage.LanceTables;
import reconciler.storage.TableKey;
import reconciler.graph.Graph;

/**
 * The chaos loop's invariants, checked against what the writers printed and what is on storage.
 *
 * <p>While the loop runs, {@link #checkNewVersions} walks every manifest version not yet checked,
 * in order, reading each table at that version's pin (a table whose pin did not move since the
 * previous version is not read again, so the walk is incremental): no operation is partly visible
 * (rows in some of its tables and not in others, or fewer rows than planned), none is visible
 * twice (more rows than planned), rows are only visible once a manifest carrying the operation
 * (a {@code write} or {@code roll_forward}) exists, each operation is carried by at most one
 * manifest version, and per table the fencing token and the pinned version never decrease. After
 * the final convergence {@link #checkFinal} adds: every acknowledged operation is visible exactly
 * once at the latest manifest and was published by its own {@code write}; no sidecar is left and
 * every pin is Lance HEAD; and the durable audit records match the recoveries one to one.
 *
 * <p>Audit matching: an operation known to have left a sidecar (its writer was SIGKILLed while
 * the sidecar existed, it refused with its own sidecar on storage, or the daemon healed it while
 * its writer was stopped) has exactly one terminal record ({@code finished}, {@code aborted},
 * {@code rolled_forward}, {@code rolled_back}); a recovery manifest ({@code roll_forward},
 * {@code roll_back}, {@code abort}, {@code repair}) has exactly one record of the matching
 * outcome; a {@code write} may have at most a {@code finished} record; a record never names an
 * operation no writer planned, nor tables other than the planned ones. Acknowledged operations
 * carry no terminal record but {@code finished}, so a writer resumed after its session expired
 * and healed never acknowledges.
 *
 * <p>Not thread-safe except {@link #onLine}, which writer output threads call.
 */
final class Invariants implements AutoCloseable {

    private static final Set<String> TERMINAL = Set.of(AuditRecord.FINISHED, AuditRecord.ABORTED, AuditRecord.ROLLED_FORWARD,
            AuditRecord.ROLLED_BACK);
    private static final Map<String, String> OUTCOME_OF_KIND = Map.of(Manifest.KIND_ROLL_FORWARD, AuditRecord.ROLLED_FORWARD,
            Manifest.KIND_ROLL_BACK, AuditRecord.ROLLED_BACK, Manifest.KIND_ABORT, AuditRecord.ABORTED,
            Manifest.KIND_REPAIR, AuditRecord.REVERTED_FENCED);

    /** A manifest version that carries an operation id. */
    record Carrier(long version, String kind) {
    }

    private final ChaosReport report;
    private final BufferAllocator allocator = new RootAllocator();
    // written by writer output threads (guarded by this)
    private final Map<String, Map<String, Long>> planned = new HashMap<>();
    private final Map<String, Long> acked = new HashMap<>();
    private final Map<String, Long> roundOf = new HashMap<>();
    private final Set<String> leftSidecar = new TreeSet<>();
    private final Set<String> zombies = new HashSet<>();
    private volatile long round;
    // the incremental walk
    private final Map<String, Carrier> carriers = new HashMap<>();
    private final Map<String, Long> pinOf = new HashMap<>();
    private final Map<String, Map<String, Long>> countsOf = new HashMap<>();
    private final Map<String, Map<String, Long>> fragmentCounts = new HashMap<>();
    private final Set<String> reported = new HashSet<>();
    private Manifest previous;
    private long checkedUpTo;

    Invariants(ChaosReport report) {
        this.report = report;
    }

    /** The loop's current round, recorded with each operation (for violation reports). */
    void round(long r) {
        round = r;
    }

    /** One stdout line of a writer. */
    synchronized void onLine(String line) {
        if (line.startsWith("PLAN op=")) {
            planned.putAll(WriterLines.planned(List.of(line)));
            roundOf.put(op(line), round);
            report.op("planned");
        } else if (line.startsWith("ACK op=")) {
            acked.put(op(line), Long.parseLong(line.substring(line.indexOf("manifest=v") + "manifest=v".length()).split(" ")[0]));
            roundOf.put(op(line), round);
            report.op("acked");
            if (zombies.contains(op(line))) {
                report.op("zombie-acked");
            }
        } else if (line.startsWith("REFUSED op=")) {
            report.op("refused");
            if (zombies.contains(op(line))) {
                report.op(line.contains("fenced off") ? "zombie-fenced" : "zombie-refused");
            }
            if (line.contains(" sidecar=own ")) {
                leftSidecar.add(op(line));
            }
        } else if (line.startsWith("FAILED op=")) {
            report.op("failed");
        }
    }

    private static String op(String line) {
        return line.split(" ")[1].substring("op=".length());
    }

    /** Evidence that {@code op}'s sidecar existed (seen on storage after its writer died or was healed while stopped). */
    synchronized void leftSidecar(String op) {
        leftSidecar.add(op);
    }

    /**
     * {@code op}'s writer was stopped past its session with the operation's sidecar on storage:
     * its outcome after SIGCONT is counted ({@code zombie-fenced}, {@code zombie-refused},
     * {@code zombie-acked}; the last is legitimate only if the writer had published before the stop).
     */
    synchronized void zombie(String op) {
        zombies.add(op);
        report.op("zombie-with-sidecar");
    }

    private synchronized Map<String, Long> plannedRows(String op) {
        return planned.get(op);
    }

    private void violation(String key, String what) {
        if (reported.add(key)) {
            report.violation(round, what);
        }
    }

    /**
     * Checks every manifest version published since the last call, in order.
     *
     * @param fin whether every writer is dead and its output read (an operation with no PLAN line is then a violation;
     *     before, the walk stops there and resumes on the next call)
     * @return the number of versions checked so far
     * @throws IOException on a storage error
     */
    long checkNewVersions(Graph g, boolean fin) throws IOException {
        while (true) {
            long v = checkedUpTo + 1;
            java.util.Optional<Manifest> read = g.manifests().read(v);
            if (read.isEmpty() || !check(g, read.get(), fin)) {
                report.versionsChecked(checkedUpTo);
                return checkedUpTo;
            }
            checkedUpTo = v;
            previous = read.get();
        }
    }

    private boolean check(Graph g, Manifest m, boolean fin) throws IOException {
        Map<String, Map<String, Long>> counts = new TreeMap<>();
        Set<String> visible = new TreeSet<>();
        for (Map.Entry<String, TablePin> e : m.tables().entrySet()) {
            long pin = e.getValue().version();
            if (!Long.valueOf(pin).equals(pinOf.get(e.getKey()))) {
                countsOf.put(e.getKey(), opCounts(g, e.getKey(), pin));
                pinOf.put(e.getKey(), pin);
            }
            counts.put(e.getKey(), countsOf.get(e.getKey()));
            visible.addAll(countsOf.get(e.getKey()).keySet());
        }
        for (String op : visible) {
            if (plannedRows(op) == null && !fin) {
                return false; // its PLAN line is still in a pipe: look again next time
            }
        }
        long v = m.version();
        if (previous != null) {
            for (Map.Entry<String, TablePin> e : m.tables().entrySet()) {
                TablePin before = previous.tables().get(e.getKey());
                if (before != null && e.getValue().fencingToken() < before.fencingToken()) {
                    violation("token " + v + e.getKey(), "fencing token of " + e.getKey() + " decreased from " + before.fencingToken()
                            + " (manifest v" + (v - 1) + ") to " + e.getValue().fencingToken() + " (v" + v + ", " + m.kind() + " of "
                            + m.operationId() + "): a fenced-off publish got through");
                }
                if (before != null && e.getValue().version() < before.version()) {
                    violation("pin " + v + e.getKey(), "pin of " + e.getKey() + " went back from " + before.version() + " to "
                            + e.getValue().version() + " at manifest v" + v);
                }
            }
        }
        if (!Manifest.KIND_INIT.equals(m.kind())) {
            Carrier earlier = carriers.putIfAbsent(m.operationId(), new Carrier(v, m.kind()));
            if (earlier != null) {
                violation("twice " + m.operationId(), "operation " + m.operationId() + " carried by two manifest versions: v"
                        + earlier.version() + " (" + earlier.kind() + ") and v" + v + " (" + m.kind() + ")");
            }
        }
        for (String op : visible) {
            Map<String, Long> want = plannedRows(op);
            if (want == null) {
                violation("unknown " + op, "manifest v" + v + " shows rows of operation " + op + ", which no writer planned");
                continue;
            }
            Map<String, Long> got = new TreeMap<>();
            counts.forEach((t, c) -> got.put(t, c.getOrDefault(op, 0L)));
            Map<String, Long> expected = new TreeMap<>();
            counts.keySet().forEach(t -> expected.put(t, want.getOrDefault(t, 0L)));
            if (!got.equals(expected)) {
                boolean twice = got.entrySet().stream().anyMatch(e -> e.getValue() > expected.get(e.getKey()));
                violation("rows " + op, "operation " + op + " (round " + roundOf(op) + ") is " + (twice ? "visible twice" : "partly visible")
                        + " at manifest v" + v + ": rows per table " + got + ", planned " + expected);
            }
            Carrier c = carriers.get(op);
            if (c == null || !(c.kind().equals(Manifest.KIND_WRITE) || c.kind().equals(Manifest.KIND_ROLL_FORWARD))) {
                violation("unpublished " + op, "rows of operation " + op + " are visible at manifest v" + v + " but "
                        + (c == null ? "no manifest carries it" : "it was published as " + c.kind() + " at v" + c.version()));
            }
        }
        return true;
    }

    private synchronized Long roundOf(String op) {
        return roundOf.get(op);
    }

    /**
     * Rows per operation id in {@code table} at Lance version {@code version}: the sum over the
     * version's fragments. A fragment's data files are immutable and uniquely named, so each is
     * scanned once (cache keyed by its first data file) and a version costs one manifest read
     * plus the scans of fragments not seen before.
     */
    private Map<String, Long> opCounts(Graph g, String table, long version) {
        Map<String, Long> out = new HashMap<>();
        try (Dataset ds = LanceTables.open(g.store(), allocator, TableKey.parse(table), version)) {
            for (Fragment f : ds.getFragments()) {
                FragmentMetadata md = f.metadata();
                boolean cacheable = md.getDeletionFile() == null && !md.getFiles().isEmpty();
                String key = cacheable ? table + "/" + md.getFiles().get(0).getPath() : null;
                Map<String, Long> c = cacheable ? fragmentCounts.get(key) : null;
                if (c == null) {
                    c = scan(f);
                    if (cacheable) {
                        fragmentCounts.put(key, c);
                    }
                }
                c.forEach((op, n) -> out.merge(op, n, Long::sum));
            }
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot read " + table + " at version " + version + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static Map<String, Long> scan(Fragment f) {
        Map<String, Long> out = new HashMap<>();
        try (LanceScanner s = f.newScan(new ScanOptions.Builder().columns(List.of(ChaosSchema.OP_COLUMN)).build());
             ArrowReader r = s.scanBatches()) {
            while (r.loadNextBatch()) {
                VarCharVector col = (VarCharVector) r.getVectorSchemaRoot().getVector(ChaosSchema.OP_COLUMN);
                for (int i = 0; i < col.getValueCount(); i++) {
                    out.merge(new String(col.get(i), StandardCharsets.UTF_8), 1L, Long::sum);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot scan fragment " + f.getId() + ": " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * The checks after convergence: call once every writer is dead (its output read) and the
     * daemons converged the graph. Also counts the audit records per outcome into the report.
     *
     * @throws IOException on a storage error
     */
    synchronized void checkFinal(Graph g) throws IOException {
        checkNewVersions(g, true);
        Manifest latest = g.manifests().require();
        if (latest.version() != checkedUpTo) {
            violation("walk", "the walk stopped at manifest v" + checkedUpTo + " but the latest is v" + latest.version());
        }
        for (Map.Entry<String, Long> e : acked.entrySet()) {
            String op = e.getKey();
            Carrier c = carriers.get(op);
            if (c == null || !c.kind().equals(Manifest.KIND_WRITE) || c.version() != e.getValue()) {
                violation("ack " + op, "acknowledged operation " + op + " (ACK round " + roundOf.get(op) + ", manifest v" + e.getValue()
                        + ") is carried by " + (c == null ? "no manifest" : c.kind() + " at v" + c.version()));
            }
            for (String t : planned.get(op).keySet()) {
                long n = countsOf.get(t).getOrDefault(op, 0L);
                if (n != planned.get(op).get(t)) {
                    violation("final " + op, "acknowledged operation " + op + " (ACK round " + roundOf.get(op) + ") has " + n + " rows in " + t
                            + " at the final manifest v" + latest.version() + ", planned " + planned.get(op).get(t));
                }
            }
        }
        List<String> sidecars = g.store().list(reconciler.sidecar.SidecarStore.DIR);
        if (!sidecars.isEmpty()) {
            violation("sidecars", "sidecars left after convergence: " + sidecars);
        }
        for (Map.Entry<String, TablePin> e : latest.tables().entrySet()) {
            long head = g.tables().headVersion(TableKey.parse(e.getKey()));
            if (head != e.getValue().version()) {
                violation("head " + e.getKey(), "table " + e.getKey() + ": Lance HEAD " + head + " but the final manifest v"
                        + latest.version() + " pins " + e.getValue().version());
            }
        }
        checkAudit(AuditLog.readAll(g.store()));
    }

    private void checkAudit(List<AuditRecord> records) {
        Map<String, List<AuditRecord>> byOp = new TreeMap<>();
        for (AuditRecord r : records) {
            report.outcome(r.outcome(), 1);
            byOp.computeIfAbsent(r.operationId(), k -> new ArrayList<>()).add(r);
        }
        for (Map.Entry<String, List<AuditRecord>> e : byOp.entrySet()) {
            String op = e.getKey();
            List<String> terminal = e.getValue().stream().map(AuditRecord::outcome).filter(TERMINAL::contains).toList();
            Carrier c = carriers.get(op);
            if (terminal.size() > 1) {
                violation("terminal " + op, "operation " + op + " has " + terminal.size() + " terminal audit records: " + terminal);
            }
            for (AuditRecord r : e.getValue()) {
                if (r.outcome().equals(AuditRecord.REVERTED_FENCED)) {
                    if (c == null || !c.kind().equals(Manifest.KIND_REPAIR)) {
                        violation("repair " + op, "audit record " + r.key() + " has no repair manifest");
                    }
                    continue;
                }
                Map<String, Long> want = planned.get(op);
                Set<String> tables = new TreeSet<>(r.tables().stream().map(AuditRecord.TableOutcome::tableKey).toList());
                if (want == null || !tables.equals(want.keySet())) {
                    violation("record " + r.key(), "audit record " + r.key() + " names tables " + tables + " but "
                            + (want == null ? "no writer planned operation " + op : "the operation planned " + want.keySet()));
                }
                if (TERMINAL.contains(r.outcome()) && !matches(r.outcome(), c)) {
                    violation("match " + r.key(), "audit record " + r.key() + " does not match the manifest carrying the operation: "
                            + (c == null ? "none" : c.kind() + " at v" + c.version()));
                }
                if (TERMINAL.contains(r.outcome()) && !r.outcome().equals(AuditRecord.FINISHED) && !r.outcome().equals(AuditRecord.ABORTED)
                        && c != null && r.manifestVersion() != c.version()) {
                    violation("version " + r.key(), "audit record " + r.key() + " names manifest v" + r.manifestVersion()
                            + " but the operation was published at v" + c.version());
                }
            }
            boolean repair = e.getValue().stream().allMatch(r -> r.outcome().equals(AuditRecord.REVERTED_FENCED));
            if (terminal.isEmpty() && !repair) {
                violation("open " + op, "operation " + op + " has audit records " + e.getValue().stream().map(AuditRecord::outcome).toList()
                        + " but no terminal one after convergence");
            }
            if (acked.containsKey(op) && terminal.stream().anyMatch(o -> !o.equals(AuditRecord.FINISHED))) {
                violation("zombie " + op, "acknowledged operation " + op + " (ACK round " + roundOf.get(op) + ") was also recovered by the "
                        + "reconciler: " + terminal + " (a writer acknowledged what it no longer owned)");
            }
        }
        for (Map.Entry<String, Carrier> e : carriers.entrySet()) {
            String outcome = OUTCOME_OF_KIND.get(e.getValue().kind());
            if (outcome != null && byOp.getOrDefault(e.getKey(), List.of()).stream().noneMatch(r -> r.outcome().equals(outcome))) {
                violation("unaudited " + e.getKey(), "manifest v" + e.getValue().version() + " (" + e.getValue().kind() + " of "
                        + e.getKey() + ") has no " + outcome + " audit record");
            }
        }
        for (String op : leftSidecar) {
            long n = byOp.getOrDefault(op, List.of()).stream().filter(r -> TERMINAL.contains(r.outcome())).count();
            if (n != 1) {
                violation("left " + op, "operation " + op + " (round " + roundOf.get(op) + ") left a sidecar but has " + n
                        + " terminal audit records");
            }
        }
    }

    /** Whether a terminal outcome agrees with the manifest that carries its operation. */
    private static boolean matches(String outcome, Carrier c) {
        if (c == null) {
            return false;
        }
        if (outcome.equals(AuditRecord.FINISHED)) {
            return c.kind().equals(Manifest.KIND_WRITE); // the writer published; the reconciler only deleted the sidecar
        }
        return outcome.equals(OUTCOME_OF_KIND.get(c.kind())); // a recovery's publish, audited by it or by a later finish
    }

    @Override
    public void close() {
        allocator.close();
    }
}
