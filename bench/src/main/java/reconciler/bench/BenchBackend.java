package reconciler.bench;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import reconciler.storage.S3GraphStore;
import reconciler.storage.S3Location;
import reconciler.storage.S3Settings;
import reconciler.graph.Graph;

/**
 * Where a benchmark's graph roots live: a local directory, or an S3 prefix on a real
 * S3-compatible server (s3proxy on 127.0.0.1, filesystem blob store) started in the bench JVM.
 */
final class BenchBackend implements AutoCloseable {

    static final String BUCKET = "reconciler-bench";
    static final String AK = "bench-access-key";
    static final String SK = "bench-secret-key";

    final String name;
    private final Path dir;
    private final S3Proxy proxy;
    private reconciler.storage.FaultyHttpProxy counter;

    private BenchBackend(String name, Path dir, S3Proxy proxy) {
        this.name = name;
        this.dir = dir;
        this.proxy = proxy;
    }

    /**
     * Like {@link #start}, and on s3 every client (the AWS SDK of the graph store and Lance's own
     * object_store) reaches the server through a fault-free {@link reconciler.storage.FaultyHttpProxy}
     * that records each HTTP request ({@link #httpRequests()}).
     */
    static BenchBackend startCounted(String name, Path dir) throws Exception {
        BenchBackend b = start(name, dir);
        if (b.proxy != null) {
            b.counter = new reconciler.storage.FaultyHttpProxy(b.proxy.getPort());
        }
        return b;
    }

    /** HTTP requests seen by the counting proxy since the last {@link #resetHttp()} (empty for local). */
    java.util.List<reconciler.storage.FaultyHttpProxy.Request> httpRequests() {
        return counter == null ? java.util.List.of() : counter.requests();
    }

    /** Forgets the requests recorded so far. */
    void resetHttp() {
        if (counter != null) {
            counter.resetCounters();
        }
    }

    static BenchBackend start(String name, Path dir) throws Exception {
        if ("local".equals(name)) {
            return new BenchBackend(name, dir, null);
        }
        if (!"s3".equals(name)) {
            throw new IllegalArgumentException("--backend must be local or s3");
        }
        java.nio.file.Files.createDirectories(dir.resolve("s3"));
        S3Proxy p = S3Proxy.builder().blobStore(new FilesystemNio2BlobStore(dir.resolve("s3").toString()))
                .endpoint(URI.create("http://127.0.0.1:0")).awsAuthentication(AuthenticationType.AWS_V2_OR_V4, AK, SK).build();
        p.start();
        while (!"STARTED".equals(p.getState())) {
            Thread.sleep(10); // s3proxy exposes no start latch
        }
        BenchBackend b = new BenchBackend(name, dir, p);
        try (S3Client c = S3Client.builder().endpointOverride(URI.create(b.endpoint())).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(AK, SK))).build()) {
            c.createBucket(r -> r.bucket(BUCKET));
        }
        return b;
    }

    String endpoint() {
        return "http://127.0.0.1:" + (counter != null ? counter.endpoint().getPort() : proxy.getPort());
    }

    /** The root URI of graph {@code name}. */
    String root(String graph) {
        return proxy == null ? dir.resolve(graph).toString() : "s3://" + BUCKET + "/" + graph;
    }

    /** YAML for the config file children read. */
    String configYaml() {
        return proxy == null ? "" : "s3:\n  endpoint: " + endpoint() + "\n  region: us-east-1\n  pathStyle: true\n"
                + "  accessKeyIdEnv: BENCH_S3_AK\n  secretAccessKeyEnv: BENCH_S3_SK\n";
    }

    /** Environment for child processes. */
    Map<String, String> env() {
        return proxy == null ? Map.of() : Map.of("BENCH_S3_AK", AK, "BENCH_S3_SK", SK);
    }

    /** Opens a graph root in the bench JVM. */
    Graph open(String root) {
        if (proxy == null) {
            return Graph.local(Path.of(root));
        }
        return new Graph(new reconciler.storage.CountingGraphStore(new S3GraphStore(S3Location.parse(root),
                S3Settings.forEndpoint(URI.create(endpoint()), "us-east-1", AK, SK))));
    }

    @Override
    public void close() throws Exception {
        if (counter != null) {
            counter.close();
        }
        if (proxy != null) {
            proxy.stop();
        }
    }
}
