package reconciler.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link S3GraphStore#probeCreateOnly} refuses a server that ignores {@code If-None-Match: *}.
 *
 * <p>The servers measured to ignore the header (local-s3-rest, s3rver) are not used here. The
 * faulty server is modelled honestly instead: a real s3proxy behind a {@link FaultyHttpProxy}
 * that drops the {@code If-None-Match} header from every request, so the server sees plain PUTs
 * and accepts every create, exactly like a server that ignores the header. (Dropping a signed
 * header breaks SigV4, so that s3proxy runs without signature checks; the control case below
 * shows the same setup without the stripping passes the probe.)
 */
class S3ProbeCreateOnlyTest {

    @RegisterExtension
    static final S3TestServer.PerClass S3 = S3TestServer.perClass(() -> S3TestServer.startTransientWithoutAuth("graphs"));
    static FaultyHttpProxy stripping;
    static FaultyHttpProxy faithful;

    @BeforeAll
    static void start() throws Exception {
        stripping = new FaultyHttpProxy(S3.server().port());
        stripping.stripIfNoneMatch(true);
        faithful = new FaultyHttpProxy(S3.server().port());
    }

    @AfterAll
    static void stop() throws Exception {
        Closeables.closeAll(stripping, faithful);
    }

    @Test
    void storeIgnoringIfNoneMatchIsRefusedNamingEndpointAndBucket() throws Exception {
        try (S3GraphStore s = new S3GraphStore(new S3Location("graphs", "ignoring"), S3TestServer.settingsFor(stripping.endpoint()))) {
            StorageException e = assertThrows(StorageException.class, () -> S3GraphStore.probeCreateOnly(s));
            String where = stripping.endpoint() + "/graphs/ignoring";
            assertEquals("store at " + where + " accepted a second create of the same key: it does not honour "
                    + "If-None-Match: *; refusing to use it", e.getMessage());
            assertEquals(List.of(), s.list("_probe"), "the probe key is cleaned up after the refusal");

            // Why it matters: on such a server every racer "wins".
            ExecutorService pool = Executors.newFixedThreadPool(GraphStoreContractTest.RACERS);
            try {
                List<Integer> winners = GraphStoreContractTest.race(pool, s, "_race/k", 0);
                assertTrue(winners.size() > 1, "several winners on a server ignoring If-None-Match: " + winners);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void sameServerWithTheHeaderIntactPassesTheProbe() throws Exception {
        try (S3GraphStore s = new S3GraphStore(new S3Location("graphs", "faithful"), S3TestServer.settingsFor(faithful.endpoint()))) {
            S3GraphStore.probeCreateOnly(s);
            assertEquals(List.of(), s.list("_probe"));
        }
    }

    /** The probe works on any GraphStore: a wrapper whose create is a plain overwrite is refused too. */
    @Test
    void probeRefusesAnyGraphStoreWhoseCreateOverwrites() throws Exception {
        try (S3GraphStore real = new S3GraphStore(new S3Location("graphs", "wrapped"), S3TestServer.settingsFor(faithful.endpoint()))) {
            GraphStore overwriting = new GraphStore() {
                @Override public String root() { return "overwriting-wrapper"; }
                @Override public java.util.Optional<byte[]> read(String key) throws java.io.IOException { return real.read(key); }
                @Override public boolean createIfAbsent(String key, byte[] data) throws java.io.IOException {
                    real.replace(key, data); // models a backend that ignores the create-only condition
                    return true;
                }
                @Override public void replace(String key, byte[] data) throws java.io.IOException { real.replace(key, data); }
                @Override public boolean delete(String key) throws java.io.IOException { return real.delete(key); }
                @Override public List<String> list(String prefix) throws java.io.IOException { return real.list(prefix); }
                @Override public String tableUri(TableKey table) { return real.tableUri(table); }
                @Override public java.util.Map<String, String> storageOptions() { return real.storageOptions(); }
            };
            StorageException e = assertThrows(StorageException.class, () -> S3GraphStore.probeCreateOnly(overwriting));
            assertTrue(e.getMessage().startsWith("store at overwriting-wrapper accepted a second create"), e.getMessage());
            assertEquals(List.of(), real.list("_probe"));
        }
    }
}
