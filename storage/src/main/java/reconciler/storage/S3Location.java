package reconciler.storage;

import java.util.regex.Pattern;

/**
 * Where a graph root lives in an object store: a bucket and a key prefix. Every protocol key
 * {@code k} maps to the object key {@code <prefix>/<k>} (or {@code k} when the prefix is empty).
 *
 * @param bucket the bucket name (1..255 characters from {@code [A-Za-z0-9._-]})
 * @param prefix the key prefix without leading or trailing {@code /}; empty for the bucket root.
 *     Segments must be non-empty and must not be {@code .} or {@code ..}.
 */
public record S3Location(String bucket, String prefix) {

    private static final Pattern BUCKET = Pattern.compile("[A-Za-z0-9._-]{1,255}");

    /** @throws IllegalArgumentException on a bad bucket name or prefix, naming it */
    public S3Location {
        if (bucket == null || !BUCKET.matcher(bucket).matches()) {
            throw new IllegalArgumentException("bad S3 bucket name '" + bucket + "'");
        }
        prefix = prefix == null ? "" : strip(prefix);
        if (!prefix.isEmpty()) {
            for (String seg : prefix.split("/", -1)) {
                if (seg.isEmpty() || seg.equals(".") || seg.equals("..") || seg.contains("\\")) {
                    throw new IllegalArgumentException("bad S3 key prefix '" + prefix + "' in bucket '" + bucket + "'");
                }
            }
        }
    }

    /**
     * Parses {@code s3://bucket} or {@code s3://bucket/prefix/with/parts} (a trailing {@code /} is
     * ignored).
     *
     * @throws IllegalArgumentException if the URI is not an {@code s3://} URI with a valid bucket
     *     and prefix; the message quotes the URI
     */
    public static S3Location parse(String uri) {
        if (uri == null || !uri.regionMatches(true, 0, "s3://", 0, 5)) {
            throw new IllegalArgumentException("not an s3:// URI: '" + uri + "'");
        }
        String rest = uri.substring(5);
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String prefix = slash < 0 ? "" : rest.substring(slash + 1);
        try {
            return new S3Location(bucket, prefix);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad s3 URI '" + uri + "': " + e.getMessage(), e);
        }
    }

    /** The object key of a protocol key: {@code <prefix>/<key>}, or {@code key} for an empty prefix. */
    public String objectKey(String key) {
        return prefix.isEmpty() ? key : prefix + "/" + key;
    }

    /** {@code s3://bucket/prefix} ({@code s3://bucket} for an empty prefix). */
    @Override
    public String toString() {
        return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
    }

    private static String strip(String p) {
        int b = 0;
        int e = p.length();
        while (b < e && p.charAt(b) == '/') {
            b++;
        }
        while (e > b && p.charAt(e - 1) == '/') {
            e--;
        }
        return p.substring(b, e);
    }
}
