package reconciler.storage;

import java.net.URI;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** Opens the {@link GraphStore} for a graph root URI. */
public final class GraphStores {

    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://.*");

    private GraphStores() {
    }

    /**
     * Opens a graph root.
     * <ul>
     *   <li>a local path ({@code /var/lib/graph}, {@code graph}) or a {@code file://} URI
     *       ({@code file:///var/lib/graph}) → {@link LocalGraphStore};</li>
     *   <li>{@code s3://bucket[/prefix]} → {@link S3GraphStore} with {@code settings}, which are
     *       then required. The caller owns the returned store and should
     *       {@link S3GraphStore#close() close} it when done (it holds a connection pool).</li>
     * </ul>
     * Nothing is contacted; use {@link S3GraphStore#probeCreateOnly} to check the store.
     *
     * @param uri the graph root
     * @param settingsOrNull S3 settings; ignored for local roots, required for {@code s3://}
     * @return a {@link LocalGraphStore} or an {@link S3GraphStore}
     * @throws IllegalArgumentException on a null/blank URI, an unsupported scheme, a malformed
     *     {@code s3://} or {@code file://} URI, or an {@code s3://} URI without settings
     */
    public static GraphStore open(String uri, S3Settings settingsOrNull) {
        if (uri == null || uri.isBlank()) {
            throw new IllegalArgumentException("graph root URI is required");
        }
        if (uri.regionMatches(true, 0, "s3://", 0, 5)) {
            if (settingsOrNull == null) {
                throw new IllegalArgumentException("graph root '" + uri + "' is on S3 but no S3 settings were given");
            }
            return new S3GraphStore(S3Location.parse(uri), settingsOrNull);
        }
        if (uri.regionMatches(true, 0, "file:", 0, 5)) {
            try {
                return new LocalGraphStore(Path.of(URI.create(uri)));
            } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
                throw new IllegalArgumentException("bad file URI '" + uri + "': " + e.getMessage(), e);
            }
        }
        if (SCHEME.matcher(uri).matches()) {
            throw new IllegalArgumentException("unsupported graph root '" + uri + "': use a local path, file:// or s3://");
        }
        return new LocalGraphStore(Path.of(uri));
    }
}
