package reconciler.storage;

import java.net.URI;
import java.nio.file.Path;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * An in-process s3proxy 4.1.0 on 127.0.0.1 (random port) with one bucket, plus a raw SDK client
 * for planting objects behind a store's back. s3proxy honours {@code If-None-Match: *}
 * atomically (dependencies.md §8).
 */
final class S3TestServer implements AutoCloseable {

    static final String ACCESS_KEY = "test-access-key";
    static final String SECRET_KEY = "test-secret-key-do-not-print";
    static final String REGION = "us-east-1";

    private final S3Proxy proxy;
    private final S3Client raw;
    final String bucket;

    private S3TestServer(S3Proxy proxy, String bucket) {
        this.proxy = proxy;
        this.bucket = bucket;
        this.raw = S3Client.builder().endpointOverride(endpoint()).region(Region.of(REGION)).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build();
        raw.createBucket(r -> r.bucket(bucket));
    }

    /** s3proxy on the in-memory (transient) blob store, with AWS V2/V4 signature checking. */
    static S3TestServer startTransient(String bucket) throws Exception {
        return start(new TransientNio2BlobStore(), AuthenticationType.AWS_V2_OR_V4, bucket);
    }

    /** s3proxy on a directory (filesystem blob store). */
    static S3TestServer startFilesystem(Path dir, String bucket) throws Exception {
        return start(new FilesystemNio2BlobStore(dir.toString()), AuthenticationType.AWS_V2_OR_V4, bucket);
    }

    /** s3proxy that checks no signatures (needed when a proxy in front rewrites signed headers). */
    static S3TestServer startTransientWithoutAuth(String bucket) throws Exception {
        return start(new TransientNio2BlobStore(), AuthenticationType.NONE, bucket);
    }

    /** How a {@link PerClass} starts its server, e.g. {@code () -> S3TestServer.startTransient("graphs")}. */
    interface Starter {
        S3TestServer start() throws Exception;
    }

    /**
     * One server per test class, on a static {@code @RegisterExtension} field: started before the
     * class's {@code @BeforeAll} methods, closed after its {@code @AfterAll} methods.
     */
    static final class PerClass implements BeforeAllCallback, AfterAllCallback {
        private final Starter starter;
        private S3TestServer server;

        PerClass(Starter starter) {
            this.starter = starter;
        }

        @Override
        public void beforeAll(ExtensionContext context) throws Exception {
            server = starter.start();
        }

        @Override
        public void afterAll(ExtensionContext context) throws Exception {
            S3TestServer s = server;
            server = null;
            if (s != null) {
                s.close();
            }
        }

        S3TestServer server() {
            return server;
        }
    }

    static PerClass perClass(Starter starter) {
        return new PerClass(starter);
    }

    private static S3TestServer start(org.gaul.s3proxy.blobstore.BlobStore store, AuthenticationType auth, String bucket)
            throws Exception {
        S3Proxy p = S3Proxy.builder()
                .blobStore(store)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(auth, ACCESS_KEY, SECRET_KEY)
                .build();
        p.start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!"STARTED".equals(p.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("s3proxy did not start: " + p.getState());
            }
            Thread.sleep(10);
        }
        return new S3TestServer(p, bucket);
    }

    int port() {
        return proxy.getPort();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + port());
    }

    /** Settings reaching this server directly, with fast backoff for tests. */
    S3Settings settings() {
        return settingsFor(endpoint());
    }

    /** Settings reaching {@code endpoint} (e.g. a proxy in front of this server). */
    static S3Settings settingsFor(URI endpoint) {
        return S3Settings.forEndpoint(endpoint, REGION, ACCESS_KEY, SECRET_KEY)
                .withBackoff(java.time.Duration.ofMillis(5), java.time.Duration.ofMillis(200));
    }

    /** A store on {@code s3://bucket/prefix} of this server. */
    S3GraphStore store(String prefix) {
        return new S3GraphStore(new S3Location(bucket, prefix), settings());
    }

    /** Writes an object directly, bypassing any GraphStore. */
    void putRaw(String objectKey, byte[] data) {
        raw.putObject(r -> r.bucket(bucket).key(objectKey), RequestBody.fromBytes(data));
    }

    S3Client raw() {
        return raw;
    }

    @Override
    public void close() throws Exception {
        raw.close();
        proxy.stop();
    }
}
