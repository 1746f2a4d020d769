package reconciler.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@link GraphStore} contract on {@link S3GraphStore} against an in-process s3proxy (one
 * server per class, a fresh prefix per test), plus S3-specific behaviour.
 */
class S3GraphStoreContractTest extends GraphStoreContractTest {

    static S3TestServer server;
    String prefix;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3TestServer.startTransient("graphs");
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Override
    GraphStore newStore() {
        prefix = "t-" + UUID.randomUUID() + "/root";
        return server.store(prefix);
    }

    @Override
    boolean objectsAndPrefixesCoexist() {
        return true;
    }

    @Override
    byte[] readRaw(String key) {
        return server.raw().getObjectAsBytes(r -> r.bucket("graphs").key(prefix + "/" + key)).asByteArray();
    }

    @Override
    void plantRaw(String key, byte[] data) {
        server.putRaw(prefix + "/" + key, data);
    }

    @Override
    void closeStore(GraphStore s) {
        ((S3GraphStore) s).close();
    }

    S3GraphStore s3() {
        return (S3GraphStore) store;
    }

    @Test
    void keysMapUnderThePrefix() throws Exception {
        assertTrue(store.createIfAbsent("_manifest/1.json", b("x")));
        assertEquals("x", new String(server.raw().getObjectAsBytes(r -> r.bucket("graphs").key(prefix + "/_manifest/1.json")).asByteArray()));
        assertEquals("s3://graphs/" + prefix, store.root());
    }

    @Test
    void directoryMarkersAndNestedKeysAreNotListed() throws Exception {
        assertTrue(store.createIfAbsent("_recovery/a.json", b("a")));
        server.putRaw(prefix + "/_recovery/", b(""));            // a console-style directory marker
        server.putRaw(prefix + "/_recovery/dir/", b(""));
        server.putRaw(prefix + "/_recovery/dir/x.json", b("x"));
        assertEquals(List.of("a.json"), store.list("_recovery"));
    }

    @Test
    void storesWithDifferentPrefixesAreIsolated() throws Exception {
        try (S3GraphStore other = server.store(prefix + "-sibling")) {
            assertTrue(store.createIfAbsent("_recovery/a.json", b("mine")));
            assertEquals(Optional.empty(), other.read("_recovery/a.json"));
            assertEquals(List.of(), other.list("_recovery"));
            assertTrue(other.createIfAbsent("_recovery/a.json", b("theirs")));
            assertEquals("mine", content("_recovery/a.json"));
        }
    }

    @Test
    void tableUriAndStorageOptionsComeFromTheSameSettings() {
        TableKey pkg = TableKey.parse("node:Package");
        assertEquals("s3://graphs/" + prefix + "/tables/node-Package.lance", store.tableUri(pkg));
        Map<String, String> o = store.storageOptions();
        assertEquals(S3TestServer.ACCESS_KEY, o.get("aws_access_key_id"));
        assertEquals(S3TestServer.SECRET_KEY, o.get("aws_secret_access_key"));
        assertEquals("http://127.0.0.1:" + server.port(), o.get("aws_endpoint"));
        assertEquals("us-east-1", o.get("aws_region"));
        assertEquals("true", o.get("allow_http"));
        assertEquals("false", o.get("aws_virtual_hosted_style_request"));
        assertEquals(6, o.size());
        assertThrows(UnsupportedOperationException.class, () -> o.put("x", "y"));
        for (String s : List.of(o.toString(), store.toString(), s3().settings().toString())) {
            assertFalse(s.contains(S3TestServer.SECRET_KEY), s);
            assertFalse(s.contains(S3TestServer.ACCESS_KEY), s);
        }
        assertTrue(o.toString().contains("aws_region=us-east-1"), o.toString());
    }

    @Test
    void rootAtBucketLevelMapsKeysWithoutPrefix() throws Exception {
        try (S3GraphStore top = new S3GraphStore(S3Location.parse("s3://graphs"), server.settings())) {
            assertEquals("s3://graphs", top.root());
            assertEquals("s3://graphs/tables/edge-DependsOn.lance", top.tableUri(TableKey.parse("edge:DependsOn")));
            String k = "top-" + UUID.randomUUID();
            assertTrue(top.createIfAbsent(k, b("t")));
            assertEquals("t", new String(server.raw().getObjectAsBytes(r -> r.bucket("graphs").key(k)).asByteArray()));
            assertTrue(top.delete(k));
        }
    }

    /** A missing bucket is an error, never "absent" or "empty". */
    @Test
    void missingBucketIsAPermanentErrorNotEmpty() {
        try (S3GraphStore nb = new S3GraphStore(new S3Location("no-such-bucket", "p"), server.settings())) {
            PermanentStorageException r = assertThrows(PermanentStorageException.class, () -> nb.read("a/b.json"));
            assertTrue(r.getMessage().contains("read s3://no-such-bucket/p/a/b.json"), r.getMessage());
            assertTrue(r.getMessage().contains("NoSuchBucket"), r.getMessage());
            PermanentStorageException l = assertThrows(PermanentStorageException.class, () -> nb.list("a"));
            assertTrue(l.getMessage().contains("list s3://no-such-bucket/p/a/"), l.getMessage());
            assertThrows(PermanentStorageException.class, () -> nb.createIfAbsent("a/b.json", b("x")));
        }
    }

    /** Wrong credentials: 403, permanent, message names op/bucket/key and no secret. */
    @Test
    void wrongCredentialsArePermanentAndMessagesCarryNoSecrets() {
        String badSecret = "wrong-secret-0123456789";
        S3Settings bad = server.settings().withCredentials(S3TestServer.ACCESS_KEY, badSecret);
        try (S3GraphStore s = new S3GraphStore(new S3Location("graphs", prefix), bad)) {
            PermanentStorageException e = assertThrows(PermanentStorageException.class,
                    () -> s.createIfAbsent("_manifest/1.json", b("x")));
            String m = e.getMessage();
            assertTrue(m.contains("createIfAbsent s3://graphs/" + prefix + "/_manifest/1.json"), m);
            assertTrue(m.contains("HTTP 403"), m);
            assertTrue(m.contains("(1 attempt)"), "403 is not retried: " + m);
            assertFalse(m.contains(badSecret), m);
            assertFalse(m.contains(S3TestServer.SECRET_KEY), m);
            IOException r = assertThrows(IOException.class, () -> s.read("_manifest/1.json"));
            assertInstanceOf(PermanentStorageException.class, r);
        }
    }

    @Test
    void connectionRefusedIsTransientAfterTheAttemptBudget() throws Exception {
        int deadPort;
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0)) {
            deadPort = ss.getLocalPort();
        }
        S3Settings st = S3TestServer.settingsFor(java.net.URI.create("http://127.0.0.1:" + deadPort)).withMaxAttempts(3);
        try (S3GraphStore s = new S3GraphStore(new S3Location("graphs", "p"), st)) {
            TransientStorageException e = assertThrows(TransientStorageException.class, () -> s.read("a"));
            assertTrue(e.getMessage().contains("read s3://graphs/p/a"), e.getMessage());
            assertTrue(e.getMessage().contains("(3 attempts)"), e.getMessage());
        }
    }

    @Test
    void probeMessageNamesEndpointAndBucket() {
        assertEquals("http://127.0.0.1:" + server.port() + "/graphs/" + prefix, s3().endpointDescription());
    }
}
