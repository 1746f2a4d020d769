package reconciler.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reconciler.storage.FaultyHttpProxy.Fault;
import reconciler.storage.FaultyHttpProxy.Request;

/**
 * {@link S3GraphStore} through a {@link FaultyHttpProxy} in front of s3proxy: throttling (503
 * SlowDown), connections reset before a request is forwarded, and responses lost after the
 * request took effect. Everything must eventually succeed with the right answers; 412 and 403
 * are never retried.
 */
class S3FaultInjectionTest {

    static final int ATTEMPTS = 10;

    @RegisterExtension
    static final S3TestServer.PerClass S3 = S3TestServer.perClass(() -> S3TestServer.startTransient("graphs"));
    static FaultyHttpProxy proxy;
    String prefix;
    S3GraphStore store;
    ExecutorService pool;

    @BeforeAll
    static void start() throws Exception {
        proxy = new FaultyHttpProxy(S3.server().port());
    }

    @AfterAll
    static void stop() throws Exception {
        Closeables.closeAll(proxy);
    }

    @BeforeEach
    void setUp() {
        proxy.setFaultRates(0, 0, 0);
        proxy.resetCounters();
        prefix = "f-" + UUID.randomUUID();
        store = newStore();
    }

    S3GraphStore newStore() {
        return new S3GraphStore(new S3Location("graphs", prefix), S3TestServer.settingsFor(proxy.endpoint()).withMaxAttempts(ATTEMPTS));
    }

    @AfterEach
    void tearDown() throws Exception {
        proxy.setFaultRates(0, 0, 0);
        Pools.stop(pool, 30);
        store.close();
    }

    static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    private String objectPath(String key) {
        return "/graphs/" + prefix + "/" + key;
    }

    private List<Request> requestsFor(String key) {
        return proxy.requests().stream().filter(r -> r.target().startsWith(objectPath(key))).toList();
    }

    private List<String> methodsFor(String key) {
        return requestsFor(key).stream().map(Request::method).toList();
    }

    /** The next PUT of {@code key} through the proxy meets {@code fault}. */
    private void failNextPut(String key, Fault fault) {
        proxy.failNext(r -> r.method().equals("PUT") && r.target().startsWith(objectPath(key)), fault);
    }

    /** Another store creates {@code key} ("theirs") first; the proxy's counters start after it. */
    private void createdByAnother(String key) throws Exception {
        try (S3GraphStore other = newStore()) {
            assertTrue(other.createIfAbsent(key, b("theirs")));
        }
        proxy.resetCounters();
    }

    /** A mixed workload with ~15% of requests faulted: all operations succeed, nothing is lost. */
    @Test
    void workloadThroughFaultsSucceedsAndLosesNothing() throws Exception {
        proxy.setFaultRates(0.07, 0.04, 0.04);
        pool = Executors.newFixedThreadPool(GraphStoreContractTest.RACERS);
        int n = 200;

        List<Future<Boolean>> creates = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String key = "_data/k-" + String.format("%04d", i);
            creates.add(pool.submit(() -> store.createIfAbsent(key, b("v1 " + key))));
        }
        for (Future<Boolean> f : creates) {
            assertTrue(f.get(120, TimeUnit.SECONDS), "every create of a fresh key reports its win, even if its response was lost");
        }

        int rounds = 10;
        for (int round = 0; round < rounds; round++) {
            String key = "_race/key-" + round;
            List<Integer> winners = GraphStoreContractTest.race(pool, store, key, round);
            assertEquals(1, winners.size(), "round " + round + ": exactly one winner through faults, got " + winners);
            assertEquals("writer-" + winners.get(0) + "-round-" + round, new String(store.read(key).orElseThrow(), UTF_8));
        }

        List<String> names = store.list("_data");
        assertEquals(n, names.size());
        for (int i = 0; i < n; i++) {
            String key = "_data/" + names.get(i);
            assertEquals("v1 " + key, new String(store.read(key).orElseThrow(), UTF_8));
        }
        for (int i = 0; i < 40; i++) {
            store.replace("_data/" + names.get(i), b("v2"));
            assertEquals("v2", new String(store.read("_data/" + names.get(i)).orElseThrow(), UTF_8));
        }
        for (int i = 40; i < 80; i++) {
            assertTrue(store.delete("_data/" + names.get(i)));
            assertFalse(store.delete("_data/" + names.get(i)));
            assertEquals(Optional.empty(), store.read("_data/" + names.get(i)));
        }
        assertEquals(n - 40, store.list("_data").size());
        S3GraphStore.probeCreateOnly(store);

        int total = proxy.requests().size();
        System.out.printf("fault workload: %d requests at the proxy; SlowDown %d, reset-before %d, reset-after (lost response) %d%n",
                total, proxy.count(Fault.SLOW_DOWN), proxy.count(Fault.RESET_BEFORE), proxy.count(Fault.RESET_AFTER));
        assertTrue(proxy.count(Fault.SLOW_DOWN) > 10, "the workload met throttling");
        assertTrue(proxy.count(Fault.RESET_BEFORE) > 5, "the workload met resets");
        assertTrue(proxy.count(Fault.RESET_AFTER) > 5, "the workload met lost responses");
    }

    /** A losing create costs exactly one request: the 412 is final. */
    @Test
    void losingCreateIsNotRetried() throws Exception {
        assertTrue(store.createIfAbsent("_manifest/1.json", b("first")));
        proxy.resetCounters();
        assertFalse(store.createIfAbsent("_manifest/1.json", b("second")));
        List<Request> seen = proxy.requests();
        assertEquals(1, seen.size(), "one request in total: " + seen);
        assertEquals("PUT", seen.get(0).method());
        assertTrue(seen.get(0).target().startsWith(objectPath("_manifest/1.json")), seen.toString());
    }

    /** The winner's 200 is lost; its retry gets 412; the create token shows the win was its own. */
    @Test
    void createWhoseSuccessResponseIsLostStillReportsItsWin() throws Exception {
        String key = "_manifest/2.json";
        failNextPut(key, Fault.RESET_AFTER);
        assertTrue(store.createIfAbsent(key, b("mine")));
        assertEquals(List.of("PUT", "PUT", "HEAD"), methodsFor(key),
                "lost response, retry answered 412, ownership check: " + requestsFor(key));
        assertEquals(Fault.RESET_AFTER, requestsFor(key).get(0).fault());
        assertFalse(store.createIfAbsent(key, b("other")));
        assertEquals("mine", new String(store.read(key).orElseThrow(), UTF_8));
    }

    /** 409 ConditionalRequestConflict with the key still absent: check, then create again. */
    @Test
    void conflictWithKeyAbsentCreatesAgain() throws Exception {
        String key = "_manifest/7.json";
        failNextPut(key, Fault.CONFLICT);
        assertTrue(store.createIfAbsent(key, b("mine")));
        assertEquals(List.of("PUT", "HEAD", "PUT"), methodsFor(key));
        assertEquals("mine", new String(store.read(key).orElseThrow(), UTF_8));
    }

    /**
     * A loser still reports its loss: one whose 412 is lost retries and gets 412 again; one meeting
     * 409 ConditionalRequestConflict while another creator's object is there checks and finds it.
     */
    @ParameterizedTest(name = "{1} on {0}")
    @CsvSource({"_manifest/3.json, RESET_AFTER, PUT PUT HEAD", "_manifest/8.json, CONFLICT, PUT HEAD"})
    void aLoserWhoseCreateMeetsAFaultStillLoses(String key, Fault fault, String methods) throws Exception {
        createdByAnother(key);
        failNextPut(key, fault);
        assertFalse(store.createIfAbsent(key, b("mine")));
        assertEquals(List.of(methods.split(" ")), methodsFor(key));
        assertEquals("theirs", new String(store.read(key).orElseThrow(), UTF_8));
    }

    /** Throttling that never ends: exactly the attempt budget, then a typed transient error. */
    @Test
    void persistentSlowDownExhaustsTheAttemptBudget() {
        proxy.setFaultRates(1.0, 0, 0);
        TransientStorageException e = assertThrows(TransientStorageException.class,
                () -> store.createIfAbsent("_manifest/4.json", b("x")));
        assertEquals(ATTEMPTS, proxy.requests().size(), proxy.requests().toString());
        String m = e.getMessage();
        assertTrue(m.contains("createIfAbsent s3://graphs/" + prefix + "/_manifest/4.json"), m);
        assertTrue(m.contains("HTTP 503 SlowDown"), m);
        assertTrue(m.contains("(" + ATTEMPTS + " attempts)"), m);
        assertFalse(m.contains(S3TestServer.SECRET_KEY), m);

        proxy.resetCounters();
        TransientStorageException l = assertThrows(TransientStorageException.class, () -> store.list("_manifest"));
        assertEquals(ATTEMPTS, proxy.requests().size());
        assertTrue(l.getMessage().contains("list s3://graphs/" + prefix + "/_manifest/"), l.getMessage());
    }

    /** Resets on every request: connection errors are retried up to the budget, then transient. */
    @Test
    void persistentResetsExhaustTheAttemptBudget() {
        proxy.setFaultRates(0, 1.0, 0);
        TransientStorageException e = assertThrows(TransientStorageException.class, () -> store.read("_manifest/5.json"));
        assertEquals(ATTEMPTS, proxy.requests().size());
        assertTrue(e.getMessage().contains("read s3://graphs/" + prefix + "/_manifest/5.json"), e.getMessage());
    }

    /** 403 through the proxy: one request, permanent. */
    @Test
    void accessDeniedIsNotRetried() {
        S3Settings bad = S3TestServer.settingsFor(proxy.endpoint()).withMaxAttempts(ATTEMPTS)
                .withCredentials(S3TestServer.ACCESS_KEY, "not-the-secret");
        try (S3GraphStore s = new S3GraphStore(new S3Location("graphs", prefix), bad)) {
            assertThrows(PermanentStorageException.class, () -> s.read("_manifest/6.json"));
            assertEquals(1, proxy.requests().size(), proxy.requests().toString());
        }
    }
}
