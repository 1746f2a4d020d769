package reconciler.it;

import java.net.URI;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3-compatible server (s3proxy, in memory, in the test JVM) on 127.0.0.1: it honours
 * {@code If-None-Match: *} atomically (shared/reference/dependencies.md §8), which is all the
 * protocol needs. Child JVMs reach it over HTTP like any S3 endpoint.
 */
final class S3Server implements AutoCloseable {

    private final S3Proxy proxy;

    private S3Server(S3Proxy proxy) {
        this.proxy = proxy;
    }

    static S3Server start(String bucket, String accessKey, String secretKey) throws Exception {
        S3Proxy p = S3Proxy.builder().blobStore(new TransientNio2BlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey).build();
        p.start();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!"STARTED".equals(p.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("s3proxy did not start: " + p.getState());
            }
            Thread.sleep(10); // s3proxy exposes no start latch
        }
        S3Server s = new S3Server(p);
        try (S3Client c = S3Client.builder().endpointOverride(URI.create(s.endpoint())).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey))).build()) {
            c.createBucket(r -> r.bucket(bucket));
        }
        return s;
    }

    String endpoint() {
        return "http://127.0.0.1:" + proxy.getPort();
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
    }
}
