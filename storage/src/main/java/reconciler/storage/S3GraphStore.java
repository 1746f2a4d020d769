package reconciler.storage;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.StandardRetryStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A {@link GraphStore} on S3 or an S3-compatible server, through the AWS SDK v2 synchronous
 * {@link S3Client} (apache5 HTTP client). Keys map to object keys {@code <prefix>/<key>} of
 * one bucket (see {@link S3Location}).
 *
 * <h2>Guarantees and how they are met</h2>
 * <ul>
 *   <li>{@link #createIfAbsent}: one {@code PutObject} with {@code If-None-Match: *}. The server
 *       decides the race: exactly one creator gets 200, everyone else 412 PreconditionFailed
 *       (returned as {@code false}). A 409 ConditionalRequestConflict (a concurrent conditional
 *       write in flight) is treated as "lost, check again": the object is looked up (HEAD) and
 *       the call returns {@code false} if another creator's object exists, or tries again (with
 *       backoff, within the attempt budget) if the key is still absent. Each create stamps a
 *       random token into the object's user metadata; when a 412/409 follows an attempt whose
 *       response was lost (the SDK retried), the token tells whether the earlier attempt of this
 *       very call is the one that landed. This keeps "exactly one {@code true}" even when a
 *       successful response is lost on the wire. The server must honour
 *       {@code If-None-Match: *} atomically (AWS S3 does; check others with
 *       {@link #probeCreateOnly}).</li>
 *   <li>{@link #replace}: a plain {@code PutObject}, atomic whole-object on S3.</li>
 *   <li>{@link #list}: {@code ListObjectsV2} with prefix {@code <root>/<prefix>/} and delimiter
 *       {@code /}, following continuation tokens; "directories" (common prefixes, directory
 *       marker objects) and names starting with {@code .} are never returned.</li>
 * </ul>
 *
 * <h2>Retries</h2>
 * The SDK's {@link StandardRetryStrategy} with our own predicate ({@link S3Retries}) (no SDK defaults mixed
 * in): retried are throttling (503 SlowDown, 429 and the S3 throttling error codes), other 5xx
 * except 501, 400 RequestTimeout, and client-side connection errors ({@link SdkClientException}
 * caused by an {@link IOException}: reset, refused, timeout). Never retried: 412 (a lost create
 * race), 409, 403, 404 and other 4xx. Backoff is exponential with full jitter
 * ({@link S3Settings#baseBackoff()} .. {@link S3Settings#maxBackoff()}, four times the base for
 * throttling); at most {@link S3Settings#maxAttempts()} attempts per request; the SDK's retry
 * token bucket (circuit breaker) is off so that long throttling episodes still get every attempt.
 *
 * <h2>Errors</h2>
 * Storage failures are {@link StorageException}s: {@link TransientStorageException} when retries
 * were exhausted on a retryable error, {@link PermanentStorageException} otherwise (403, 400,
 * missing bucket, ...). Messages name the operation, bucket and object key and never contain
 * credentials. {@link IllegalArgumentException} for malformed keys (empty, leading or trailing
 * {@code /}, {@code //}, {@code ..}, backslash). An interrupted call throws
 * {@link InterruptedIOException} with the interrupt flag restored.
 *
 * <p>Thread-safe. {@link #close()} releases the HTTP connection pool.
 */
public final class S3GraphStore implements GraphStore {

    private static final Logger LOG = LoggerFactory.getLogger(S3GraphStore.class);

    /** User-metadata key holding the per-call random token stamped by {@link #createIfAbsent}. */
    static final String CREATE_TOKEN = "reconciler-create-token";

    /** Connect timeout of the HTTP client. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Socket read timeout of the HTTP client (a stalled response is then retried). */
    static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(30);

    private final S3Location location;
    private final S3Settings settings;
    private final S3Client s3;
    private final Map<String, String> storageOptions;

    /**
     * Builds the client. No request is sent: a wrong bucket or credentials surface on the first
     * operation (use {@link #probeCreateOnly} at start-up to check early).
     *
     * @param location bucket and prefix of the graph root
     * @param settings endpoint, region, addressing style, credentials and retry budget
     */
    public S3GraphStore(S3Location location, S3Settings settings) {
        this.location = location;
        this.settings = settings;
        this.s3 = buildClient(settings);
        this.storageOptions = lanceOptions(settings);
    }

    private static S3Client buildClient(S3Settings st) {
        AwsCredentialsProvider creds = st.hasStaticCredentials()
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(st.accessKeyId(), st.secretAccessKey()))
                : DefaultCredentialsProvider.builder().build();
        S3ClientBuilder b = S3Client.builder()
                .region(Region.of(st.region()))
                .forcePathStyle(st.pathStyle())
                .credentialsProvider(creds)
                .httpClientBuilder(Apache5HttpClient.builder()
                        .connectionTimeout(CONNECT_TIMEOUT)
                        .socketTimeout(SOCKET_TIMEOUT)
                        .maxConnections(64))
                .overrideConfiguration(o -> o.retryStrategy(S3Retries.strategy(st)));
        if (st.endpoint() != null) {
            // S3-compatible servers vary in their support of the newer default checksum trailers.
            b.endpointOverride(st.endpoint())
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        }
        return b.build();
    }

    private static Map<String, String> lanceOptions(S3Settings st) {
        Map<String, String> m = new LinkedHashMap<>();
        if (st.hasStaticCredentials()) {
            m.put("aws_access_key_id", st.accessKeyId());
            m.put("aws_secret_access_key", st.secretAccessKey());
        }
        if (st.endpoint() != null) {
            String ep = st.endpoint().toString();
            m.put("aws_endpoint", ep.endsWith("/") ? ep.substring(0, ep.length() - 1) : ep);
        }
        m.put("aws_region", st.region());
        if (st.allowHttp()) {
            m.put("allow_http", "true");
        }
        m.put("aws_virtual_hosted_style_request", String.valueOf(!st.pathStyle()));
        return new RedactedMap(m);
    }

    /** The bucket and prefix of this root. */
    public S3Location location() {
        return location;
    }

    /** The settings this store was built from ({@code toString()} is credential-free). */
    public S3Settings settings() {
        return settings;
    }

    /** {@code s3://bucket/prefix}. */
    @Override
    public String root() {
        return location.toString();
    }

    /**
     * Where this store sends requests, for messages: {@code <endpoint>/<bucket>/<prefix>} for an
     * explicit endpoint, {@code s3://bucket/prefix (AWS <region>)} otherwise. No credentials.
     */
    public String endpointDescription() {
        if (settings.endpoint() == null) {
            return location + " (AWS " + settings.region() + ")";
        }
        java.net.URI u = settings.endpoint();
        String ep = u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort())
                + (u.getRawPath() == null ? "" : u.getRawPath()); // never user info
        if (ep.endsWith("/")) {
            ep = ep.substring(0, ep.length() - 1);
        }
        return ep + "/" + location.bucket() + (location.prefix().isEmpty() ? "" : "/" + location.prefix());
    }

    private static void checkKey(String key) {
        if (key == null || key.isEmpty() || key.startsWith("/") || key.endsWith("/") || key.contains("//")
                || key.contains("..") || key.contains("\\")) {
            throw new IllegalArgumentException("bad storage key '" + key + "'");
        }
    }

    private String objectKey(String key) {
        checkKey(key);
        return location.objectKey(key);
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code GetObject}; only a 404 that is not {@code NoSuchBucket} means absent.
     *
     * @throws PermanentStorageException e.g. on 403 or a missing bucket
     * @throws TransientStorageException when retries on throttling/5xx/connection errors ran out
     */
    @Override
    public Optional<byte[]> read(String key) throws IOException {
        String k = objectKey(key);
        try {
            return Optional.of(s3.getObjectAsBytes(r -> r.bucket(location.bucket()).key(k)).asByteArray());
        } catch (S3Exception e) {
            if (isNotFound(e)) {
                return Optional.empty();
            }
            throw translate("read", k, e);
        } catch (SdkException e) {
            throw translate("read", k, e);
        }
    }

    private static boolean isNotFound(S3Exception e) {
        return e.statusCode() == 404 && !"NoSuchBucket".equals(S3Retries.errorCode(e));
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code PutObject} with {@code If-None-Match: *}: 412 means another creator won. See the
     * class comment for 409 and lost responses.
     *
     * @throws TransientStorageException when retries ran out (the key is then absent or fully
     *     written, possibly by this call)
     * @throws PermanentStorageException on a non-retryable error
     */
    @Override
    public boolean createIfAbsent(String key, byte[] data) throws IOException {
        String k = objectKey(key);
        String token = UUID.randomUUID().toString();
        RequestBody body = RequestBody.fromBytes(data);
        for (int conflicts = 1; ; conflicts++) {
            try {
                s3.putObject(r -> r.bucket(location.bucket()).key(k).ifNoneMatch("*").metadata(Map.of(CREATE_TOKEN, token)), body);
                return true;
            } catch (S3Exception e) {
                if (e.statusCode() == 412) {
                    Integer attempts = e.numAttempts();
                    if (attempts != null && attempts > 1) {
                        // An earlier attempt of this call may have landed with its response lost.
                        return createdBy(k, token).orElse(false);
                    }
                    return false;
                }
                if (e.statusCode() == 409 && "ConditionalRequestConflict".equals(S3Retries.errorCode(e))) {
                    Optional<Boolean> mine = createdBy(k, token);
                    if (mine.isPresent()) {
                        return mine.get();
                    }
                    if (conflicts >= settings.maxAttempts()) {
                        throw new TransientStorageException(describe("createIfAbsent", k)
                                + " failed: 409 ConditionalRequestConflict " + conflicts + " times and the key is still absent", e);
                    }
                    LOG.debug("createIfAbsent {}: 409 ConditionalRequestConflict and key absent; trying again", describe("", k));
                    backoff(conflicts);
                    continue;
                }
                throw translate("createIfAbsent", k, e);
            } catch (SdkException e) {
                throw translate("createIfAbsent", k, e);
            }
        }
    }

    /** Empty if the object is absent; otherwise whether it carries {@code token}. */
    private Optional<Boolean> createdBy(String k, String token) throws IOException {
        try {
            HeadObjectResponse h = s3.headObject(r -> r.bucket(location.bucket()).key(k));
            return Optional.of(token.equals(h.metadata().get(CREATE_TOKEN)));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw translate("createIfAbsent (ownership check)", k, e);
        } catch (SdkException e) {
            throw translate("createIfAbsent (ownership check)", k, e);
        }
    }

    private void backoff(int attempt) throws InterruptedIOException {
        long capMs = Math.min(settings.maxBackoff().toMillis(), settings.baseBackoff().toMillis() << Math.min(attempt, 20));
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(capMs + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while backing off");
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>A plain {@code PutObject}.
     *
     * @throws TransientStorageException when retries ran out
     * @throws PermanentStorageException on a non-retryable error
     */
    @Override
    public void replace(String key, byte[] data) throws IOException {
        String k = objectKey(key);
        try {
            s3.putObject(r -> r.bucket(location.bucket()).key(k), RequestBody.fromBytes(data));
        } catch (SdkException e) {
            throw translate("replace", k, e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code HeadObject}, then {@code DeleteObject} if it exists. (A HEAD cannot tell a missing
     * bucket from a missing key, so deleting from a missing bucket returns {@code false}.)
     *
     * @throws TransientStorageException when retries ran out
     * @throws PermanentStorageException on a non-retryable error
     */
    @Override
    public boolean delete(String key) throws IOException {
        String k = objectKey(key);
        try {
            try {
                s3.headObject(r -> r.bucket(location.bucket()).key(k));
            } catch (S3Exception e) {
                if (e.statusCode() == 404) {
                    return false;
                }
                throw e;
            }
            s3.deleteObject(r -> r.bucket(location.bucket()).key(k));
            return true;
        } catch (SdkException e) {
            throw translate("delete", k, e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code ListObjectsV2} (prefix {@code <root>/<prefix>/}, delimiter {@code /}), all pages.
     * A trailing {@code /} on {@code prefix} is ignored.
     *
     * @throws PermanentStorageException e.g. on a missing bucket (never reported as empty)
     * @throws TransientStorageException when retries ran out on any page
     */
    @Override
    public List<String> list(String prefix) throws IOException {
        return listFrom(prefix, null);
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code ListObjectsV2} with {@code StartAfter <root>/<prefix>/<startAfter>}: one request when
     * few names follow.
     */
    @Override
    public List<String> listAfter(String prefix, String startAfter) throws IOException {
        return listFrom(prefix, startAfter);
    }

    /**
     * {@inheritDoc}
     *
     * <p>One {@code ListObjectsV2} with {@code MaxKeys = limit} (no further pages).
     */
    @Override
    public List<String> listFirst(String prefix, int limit) throws IOException {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive, got " + limit);
        }
        String p = objectKey(prefix != null && prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix) + "/";
        List<String> names = new ArrayList<>();
        try {
            ListObjectsV2Response page = s3.listObjectsV2(r -> r.bucket(location.bucket()).prefix(p).delimiter("/").maxKeys(limit));
            for (S3Object o : page.contents()) {
                String name = o.key().startsWith(p) ? o.key().substring(p.length()) : "";
                if (!name.isEmpty() && !name.startsWith(".") && name.indexOf('/') < 0) {
                    names.add(name);
                }
            }
        } catch (SdkException e) {
            throw translate("list", p, e);
        }
        Collections.sort(names);
        return names;
    }

    private List<String> listFrom(String prefix, String startAfter) throws IOException {
        String p = objectKey(prefix != null && prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix) + "/";
        List<String> names = new ArrayList<>();
        try {
            for (ListObjectsV2Response page : s3.listObjectsV2Paginator(r -> {
                r.bucket(location.bucket()).prefix(p).delimiter("/");
                if (startAfter != null) {
                    r.startAfter(p + startAfter);
                }
            })) {
                for (S3Object o : page.contents()) {
                    String k = o.key();
                    if (!k.startsWith(p)) {
                        continue;
                    }
                    String name = k.substring(p.length());
                    if (!name.isEmpty() && !name.startsWith(".") && name.indexOf('/') < 0
                            && (startAfter == null || name.compareTo(startAfter) > 0)) {
                        names.add(name);
                    }
                }
            }
        } catch (SdkException e) {
            throw translate("list", p, e);
        }
        Collections.sort(names);
        return names;
    }

    /** {@code s3://bucket/<prefix>/tables/<kind>-<Name>.lance}. */
    @Override
    public String tableUri(TableKey table) {
        return new S3Location(location.bucket(), location.objectKey("tables/" + table.pathSegment())).toString();
    }

    /**
     * Lance (object_store) options built from the same settings: {@code aws_access_key_id},
     * {@code aws_secret_access_key} (only with static credentials; otherwise Lance uses its own
     * default chain), {@code aws_endpoint} (with an explicit endpoint), {@code aws_region},
     * {@code allow_http=true} (http endpoints), {@code aws_virtual_hosted_style_request}
     * ({@code false} for path style). Immutable; its {@code toString()} redacts credentials.
     * Never log the values.
     */
    @Override
    public Map<String, String> storageOptions() {
        return storageOptions;
    }

    /** Closes the S3 client and its connection pool. */
    @Override
    public void close() {
        s3.close();
    }

    /** {@code S3GraphStore[<endpoint>/<bucket>/<prefix>, region]}; never credentials. */
    @Override
    public String toString() {
        return "S3GraphStore[" + endpointDescription() + ", region=" + settings.region() + "]";
    }

    private String describe(String op, String objectKey) {
        return (op.isEmpty() ? "" : op + " ") + "s3://" + location.bucket() + "/" + objectKey;
    }

    private IOException translate(String op, String objectKey, SdkException e) {
        if (e instanceof AbortedException || Thread.currentThread().isInterrupted()) {
            Thread.currentThread().interrupt();
            InterruptedIOException x = new InterruptedIOException(describe(op, objectKey) + " interrupted");
            x.initCause(e);
            return x;
        }
        Integer n = e.numAttempts();
        String attempts = n == null ? "" : " (" + n + (n == 1 ? " attempt" : " attempts") + ")";
        String what;
        if (e instanceof SdkServiceException se) {
            String code = S3Retries.errorCode(se);
            String msg = se instanceof AwsServiceException a && a.awsErrorDetails() != null
                    ? a.awsErrorDetails().errorMessage() : null;
            what = "HTTP " + se.statusCode() + (code == null ? "" : " " + code) + (msg == null ? "" : ": " + msg);
        } else {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            what = root == e ? String.valueOf(e.getMessage()) : root.getClass().getSimpleName() + ": " + root.getMessage();
        }
        what = redact(what);
        if (S3Retries.isRetryable(e)) {
            return new TransientStorageException(describe(op, objectKey) + " failed, retries exhausted" + attempts + ": " + what, e);
        }
        return new PermanentStorageException(describe(op, objectKey) + " failed" + attempts + ": " + what, e);
    }

    private String redact(String s) {
        if (s == null || !settings.hasStaticCredentials()) {
            return s;
        }
        return s.replace(settings.secretAccessKey(), "<redacted>").replace(settings.accessKeyId(), "<redacted>");
    }

    /**
     * Checks that {@code store} really refuses a second create of the same key (that an S3
     * server honours {@code If-None-Match: *}); every correctness argument of the protocol rests
     * on it. Creates {@code _probe/<random>} twice, checks that the second create returned
     * {@code false} and left the first content, then deletes the probe key (also on failure).
     * Costs about four requests; call it once at start-up. Works for any {@link GraphStore}.
     *
     * @param store the store to check (for an {@link S3GraphStore} the message names its endpoint,
     *     bucket and prefix; otherwise its {@link GraphStore#root()})
     * @throws StorageException if the store accepted the second create ("store at
     *     &lt;endpoint/bucket&gt; accepted a second create of the same key: it does not honour
     *     If-None-Match: *; refusing to use it"), or changed the content on a refused create
     * @throws IOException on a storage error while probing
     */
    public static void probeCreateOnly(GraphStore store) throws IOException {
        String where = store instanceof S3GraphStore s ? s.endpointDescription() : store.root();
        String key = "_probe/" + UUID.randomUUID();
        byte[] first = ("create-only probe 1 " + key).getBytes(StandardCharsets.UTF_8);
        byte[] second = ("create-only probe 2 " + key).getBytes(StandardCharsets.UTF_8);
        IOException failure = null;
        try {
            if (!store.createIfAbsent(key, first)) {
                throw new StorageException("store at " + where + " reported the fresh random key " + key
                        + " as already existing; refusing to use it");
            }
            if (store.createIfAbsent(key, second)) {
                throw new StorageException("store at " + where + " accepted a second create of the same key: "
                        + "it does not honour If-None-Match: *; refusing to use it");
            }
            Optional<byte[]> now = store.read(key);
            if (now.isEmpty() || !Arrays.equals(now.get(), first)) {
                throw new StorageException("store at " + where + " refused a second create of the same key but "
                        + (now.isEmpty() ? "lost" : "changed") + " the first object; refusing to use it");
            }
        } catch (IOException | RuntimeException e) {
            failure = e instanceof IOException io ? io : new StorageException("probe of store at " + where + " failed: " + e, e);
        } finally {
            try {
                store.delete(key);
            } catch (IOException | RuntimeException e) {
                if (failure != null) {
                    failure.addSuppressed(e);
                } else {
                    failure = e instanceof IOException io ? io : new StorageException("probe cleanup at " + where + " failed: " + e, e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** An immutable map whose {@code toString()} hides credential values. */
    private static final class RedactedMap extends AbstractMap<String, String> {
        private static final Set<String> SECRET = Set.of("aws_access_key_id", "aws_secret_access_key", "aws_session_token");
        private final Map<String, String> m;

        RedactedMap(Map<String, String> m) {
            this.m = Collections.unmodifiableMap(new LinkedHashMap<>(m));
        }

        @Override
        public Set<Entry<String, String>> entrySet() {
            return m.entrySet();
        }

        @Override
        public String get(Object key) {
            return m.get(key);
        }

        @Override
        public boolean containsKey(Object key) {
            return m.containsKey(key);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("{");
            for (Entry<String, String> e : m.entrySet()) {
                if (sb.length() > 1) {
                    sb.append(", ");
                }
                sb.append(e.getKey()).append('=').append(SECRET.contains(e.getKey()) ? "<redacted>" : e.getValue());
            }
            return sb.append('}').toString();
        }
    }

}
