package reconciler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reconciler.core.AuditRecord;
import reconciler.core.GraphStatus;
import reconciler.storage.FaultyHttpProxy;
import reconciler.storage.FaultyHttpProxy.Fault;
import reconciler.storage.FaultyHttpProxy.Request;

/**
 * Transient S3 faults end to end. The reference writer children and the daemon child
 * ({@code run --once}) reach s3proxy only through a {@link FaultyHttpProxy}: the config's
 * {@code s3.endpoint} points at it ({@link Harness#setChildS3Endpoint}), so both S3 clients of a
 * child see the faults: our S3 client (AWS SDK v2 with {@code S3GraphStore}'s retry strategy:
 * manifests, sidecars, audit records) and Lance's own object_store (the dataset files under
 * {@code tables/<table>.lance/}, configured from the storage options built from the same
 * settings). The test JVM's own checks ({@link Harness#graph()}) talk to s3proxy directly, so
 * every request the proxy sees comes from a child, and its user agent tells which client sent it.
 *
 * <h2>What Lance's object_store does not survive (a finding)</h2>
 * object_store 0.13.2 (inside lance-core 7.0.0) retries 5xx, 429 and 408 responses whatever the
 * request, and transport errors before the request went out (connect failures, a pooled
 * connection found closed), but a transport error after it was sent (connection reset, EOF) only
 * for requests it marks idempotent: GET/HEAD, plain PUT (data files, {@code _transactions/*.txn}),
 * the multipart calls. Lance commits a table version with a conditional create, {@code PUT
 * tables/<t>.lance/_versions/<u64::MAX - v>.manifest} with {@code If-None-Match: *}, which is not
 * idempotent: a reset of that request (whether before the server saw it or after it took effect)
 * fails the commit at once, with no retry (about 1 ms), as
 * <pre>
 * LanceError(IO): Generic S3 error: Error performing PUT http://127.0.0.1:PORT/reconciler-it/graph-XXXX/tables/edge-DependsOn.lance/_versions/18446744073709551612.manifest in 386.553µs - HTTP error: error sending request, /workspace/rust/lance-table/src/io/commit.rs:1436:50
 * </pre>
 * In a writer that refuses the operation ({@code REFUSED op=... failed after its sidecar was
 * written (cannot commit to table <t> at <uri>: LanceError(IO): ...); the reconciler will roll it forward or back}, exit 3): nothing
 * acknowledged is lost, the sidecar is left for the daemon. In the daemon the recovery step fails
 * ({@code FAILED step failed, will retry: cannot restore table <t> at <uri>: LanceError(IO): ...}), the pass ends {@code NOT converged}
 * and {@code run --once} exits 1; when the reset came after the Restore took effect, HEAD has moved
 * once more; the next pass rolls back again and converges
 * ({@link #resetOfLanceCommitCostsTheDaemonAPassNotCorrectness}). Lance does not turn the lost
 * response into a second commit (no retry, hence no 412 seen as a conflict and rebased).
 * So the random faults below never reset Lance's non-idempotent requests (conditional PUT, DELETE,
 * bulk-delete POST); 503 SlowDown does hit them (a 5xx is retried whatever the method).
 */
class S3FaultRecoveryIT {

    static final long SEED = 20_250_611L;
    static final double SLOW_DOWN_RATE = 0.08;
    static final double RESET_BEFORE_RATE = 0.06;

    /** Which client sent a request (by user agent) and what it addressed (by decoded key or list prefix). */
    enum Kind {
        /** Our S3 client, protocol keys under {@code _manifest/} or {@code _recovery/}. */
        PROTOCOL,
        /** Our S3 client, other keys ({@code _audit/}, the graph descriptor, ...). */
        OURS_OTHER,
        /** Lance's object_store, dataset paths {@code tables/<table>.lance/...}. */
        LANCE_DATASET,
        /** Lance's object_store, anything else. */
        LANCE_OTHER
    }

    static boolean fromLance(Request r) {
        return r.userAgent().startsWith("object_store");
    }

    static boolean fromOurClient(Request r) {
        return r.userAgent().startsWith("aws-sdk-java");
    }

    static Kind kind(Request r) {
        String t = URLDecoder.decode(r.target(), StandardCharsets.UTF_8);
        if (fromLance(r)) {
            return t.contains("/tables/") && t.contains(".lance") ? Kind.LANCE_DATASET : Kind.LANCE_OTHER;
        }
        return t.contains("/_manifest") || t.contains("/_recovery") ? Kind.PROTOCOL : Kind.OURS_OTHER;
    }

    /** Requests object_store does not retry after a connection reset (see the class comment). */
    static boolean lanceNotIdempotent(Request r) {
        return fromLance(r) && (r.ifNoneMatch() || r.method().equals("DELETE")
                || (r.method().equals("POST") && r.target().contains("?delete")));
    }

    /** Requests and faults seen by the proxy, per traffic kind, accumulated over phases. */
    static final class Tally {
        final Map<Kind, Map<Fault, Integer>> counts = new EnumMap<>(Kind.class);
        final List<String> phases = new ArrayList<>();
        final List<Request> unknownClient = new ArrayList<>();
        /** Faulted requests of Lance's object_store by method (and list / conditional create). */
        final Map<String, Integer> lanceFaultsByRequest = new TreeMap<>();

        void add(String phase, FaultyHttpProxy proxy) {
            List<Request> seen = proxy.requests();
            proxy.resetCounters();
            Map<Kind, Map<Fault, Integer>> here = new EnumMap<>(Kind.class);
            for (Request r : seen) {
                Kind k = kind(r);
                here.computeIfAbsent(k, x -> new EnumMap<>(Fault.class)).merge(r.fault(), 1, Integer::sum);
                counts.computeIfAbsent(k, x -> new EnumMap<>(Fault.class)).merge(r.fault(), 1, Integer::sum);
                if (fromLance(r) && r.fault() != Fault.NONE) {
                    String what = r.method() + (r.target().contains("list-type=") ? " list" : r.ifNoneMatch() ? " if-none-match" : "");
                    lanceFaultsByRequest.merge(what + " " + r.fault(), 1, Integer::sum);
                }
                if (!fromLance(r) && !fromOurClient(r)) {
                    unknownClient.add(r);
                }
            }
            phases.add(phase + ": " + seen.size() + " requests " + here);
        }

        int faults(Kind k) {
            return counts.getOrDefault(k, Map.of()).entrySet().stream()
                    .filter(e -> e.getKey() != Fault.NONE).mapToInt(Map.Entry::getValue).sum();
        }

        @Override
        public String toString() {
            return String.join("\n", phases) + "\ntotal " + counts + "\nLance faults by request " + lanceFaultsByRequest;
        }
    }

    /**
     * (a) a writer import of three batches is acknowledged despite faults; (b) a writer halted after
     * its first table commit leaves its sidecar; (c) {@code run --once} rolls it back and converges
     * (one audit record, no sidecar, pin == HEAD, rows == acknowledged batches); (d) the proxy did
     * fault both our protocol keys and Lance's dataset paths.
     */
    @Test
    void writersAndDaemonThroughInjectedS3FaultsConvergeAndLoseNothing(@TempDir Path dir) throws Exception {
        try (Harness h = new Harness(dir, "20s", Harness.Backend.S3);
             FaultyHttpProxy proxy = new FaultyHttpProxy(URI.create(h.s3Endpoint()).getPort(), SEED)) {
            h.setChildS3Endpoint(proxy.endpoint().toString());
            AtomicInteger spared = new AtomicInteger();
            proxy.setFaultFilter((r, f) -> {
                boolean reset = f == Fault.RESET_BEFORE || f == Fault.RESET_AFTER;
                if (reset && lanceNotIdempotent(r)) {
                    spared.incrementAndGet();
                    return false;
                }
                return true;
            });
            proxy.setFaultRates(SLOW_DOWN_RATE, RESET_BEFORE_RATE, 0);
            Tally tally = new Tally();
            try {
                healThroughFaults(h, proxy, tally);
            } finally {
                System.out.println("S3FaultRecoveryIT proxy tally (SlowDown " + SLOW_DOWN_RATE + ", reset-before " + RESET_BEFORE_RATE
                        + ", seed " + SEED + "; resets spared on Lance's non-idempotent requests: " + spared + "):\n" + tally);
            }
        }
    }

    private void healThroughFaults(Harness h, FaultyHttpProxy proxy, Tally tally) throws Exception {
        // (a) three batches, each a packages and a maintainers operation, all acknowledged
        Harness.Run base = h.importDebian(0, 120, 40, "all", Map.of());
        tally.add("import", proxy);
        assertEquals(0, base.exitCode(), base.text());
        List<String> baseOps = h.plannedOps(base);
        assertEquals(6, baseOps.size(), base.text());
        assertTrue(h.ackedOps().containsAll(baseOps), "every operation acknowledged: " + base.text());

        // (b) a writer halted after its first table commit leaves its sidecar
        Harness.Run crash = h.importDebian(120, 60, 60, "packages", Map.of("RECONCILER_FAILPOINT", "after-commit:1"));
        tally.add("crashed writer", proxy);
        assertEquals(77, crash.exitCode(), crash.text());
        String op = h.plannedOps(crash).get(0);
        assertEquals(List.of(op + ".json"), h.sidecars());

        // (c) the daemon, through the same faults, rolls it back (Lance Restore commits) and converges
        Harness.Run heal = h.runOnce(Map.of());
        tally.add("run --once", proxy);
        assertEquals(0, heal.exitCode(), heal.text());
        h.assertConsistent();
        for (GraphStatus.TableStatus t : h.status().tables()) {
            assertEquals(t.headVersion(), t.pinnedVersion(), "pin == HEAD: " + t);
        }
        assertFalse(h.visibleOps().contains(op), "the crashed operation is rolled back");
        List<AuditRecord> records = h.audit().stream().filter(r -> r.operationId().equals(op)).toList();
        assertEquals(1, records.size(), records.toString());
        assertEquals("rolled_back", records.get(0).outcome());
        assertEquals(1, h.auditLogLines().stream().filter(l -> l.contains(op)).count(), "one local audit line");

        // (d) not vacuous: both clients met faults, and every request came from one of them
        assertEquals(List.of(), tally.unknownClient, "requests from neither client");
        assertTrue(tally.faults(Kind.PROTOCOL) > 0, "no fault on _manifest/ or _recovery/ keys:\n" + tally);
        assertTrue(tally.faults(Kind.LANCE_DATASET) > 0, "no fault on Lance dataset paths:\n" + tally);
    }

    /**
     * The finding of the class comment, pinned: a connection reset after Lance's conditional
     * manifest PUT of the daemon's Restore took effect fails that pass ({@code run --once} exits 1,
     * sidecar kept, HEAD one past the pin); the next pass rolls back again and converges with one
     * audit record. If object_store starts retrying such resets, the first pass converges and this
     * test fails: update the class comment.
     */
    @Test
    void resetOfLanceCommitCostsTheDaemonAPassNotCorrectness(@TempDir Path dir) throws Exception {
        try (Harness h = new Harness(dir, "20s", Harness.Backend.S3);
             FaultyHttpProxy proxy = new FaultyHttpProxy(URI.create(h.s3Endpoint()).getPort(), SEED)) {
            h.setChildS3Endpoint(proxy.endpoint().toString());
            assertEquals(0, h.importDebian(0, 60, 60, "packages", Map.of()).exitCode());
            Harness.Run crash = h.importDebian(60, 60, 60, "packages", Map.of("RECONCILER_FAILPOINT", "after-commit:1"));
            assertEquals(77, crash.exitCode(), crash.text());
            String op = h.plannedOps(crash).get(0);

            Predicate<Request> lanceCommit = r -> fromLance(r) && r.method().equals("PUT") && r.ifNoneMatch()
                    && URLDecoder.decode(r.target(), StandardCharsets.UTF_8).contains("/_versions/");
            proxy.failNext(lanceCommit, Fault.RESET_AFTER);
            Harness.Run first = h.runOnce(Map.of());
            assertEquals(1, first.exitCode(), first.text());
            assertTrue(first.text().contains("FAILED step failed, will retry: cannot restore table ") && first.text().contains("LanceError(IO)")
                    && first.text().contains("_versions/") && first.text().contains("error sending request"), first.text());
            assertTrue(first.text().contains("NOT converged"), first.text());
            assertEquals(1, proxy.requests().stream().filter(r -> r.fault() == Fault.RESET_AFTER).count(), "the reset happened");
            assertEquals(List.of(op + ".json"), h.sidecars());
            assertTrue(h.status().tables().stream().anyMatch(t -> t.headVersion() > t.pinnedVersion() + 1),
                    "the reset Restore took effect: HEAD two past the pin: " + h.status());

            Harness.Run second = h.runOnce(Map.of());
            assertEquals(0, second.exitCode(), second.text());
            h.assertConsistent();
            List<AuditRecord> records = h.audit().stream().filter(r -> r.operationId().equals(op)).toList();
            assertEquals(1, records.size(), records.toString());
            assertEquals("rolled_back", records.get(0).outcome());
        }
    }
}
