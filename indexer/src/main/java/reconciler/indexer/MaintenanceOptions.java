package reconciler.indexer;

import java.time.Duration;

/**
 * Knobs of the indexer (docs/indexes.md, "Configuration"). Fluent setters; {@link #copy()} before
 * sharing. Defaults are safe for a daemon on a small machine.
 */
public final class MaintenanceOptions {

    private int maxParallelBuilds = 2;
    private Duration leaseTimeout = Duration.ofSeconds(30);
    private long segmentRows = 1_000_000;
    private int vectorMaxIters = 50;
    private int vectorSampleRate = 256;
    private long targetRowsPerFragment = 1_048_576;
    private int minSmallFragments = 4;
    private double smallFragmentFraction = 0.5;
    private double deletedRowRatio = 0.1;
    private int retainManifestVersions = 10;
    private Duration retainAge = Duration.ofHours(24);
    private boolean deleteUnverified = false;
    private IndexFailpoints failpoints = IndexFailpoints.none();

    /** The defaults. */
    public static MaintenanceOptions defaults() {
        return new MaintenanceOptions();
    }

    /** A copy. */
    public MaintenanceOptions copy() {
        MaintenanceOptions o = new MaintenanceOptions();
        o.maxParallelBuilds = maxParallelBuilds;
        o.leaseTimeout = leaseTimeout;
        o.segmentRows = segmentRows;
        o.vectorMaxIters = vectorMaxIters;
        o.vectorSampleRate = vectorSampleRate;
        o.targetRowsPerFragment = targetRowsPerFragment;
        o.minSmallFragments = minSmallFragments;
        o.smallFragmentFraction = smallFragmentFraction;
        o.deletedRowRatio = deletedRowRatio;
        o.retainManifestVersions = retainManifestVersions;
        o.retainAge = retainAge;
        o.deleteUnverified = deleteUnverified;
        o.failpoints = failpoints;
        return o;
    }

    /** At most this many index builds (or compaction tasks) run at once across all graphs (default 2). */
    public int maxParallelBuilds() { return maxParallelBuilds; }
    public MaintenanceOptions maxParallelBuilds(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("maxParallelBuilds must be >= 1");
        }
        maxParallelBuilds = n;
        return this;
    }

    /** How long a commit waits for the table's lease (a writer holds it for its phases A-D; default 30 s). */
    public Duration leaseTimeout() { return leaseTimeout; }
    public MaintenanceOptions leaseTimeout(Duration d) { leaseTimeout = d; return this; }

    /**
     * Rows per staged index segment (default 1,000,000): a build over more rows is cut into
     * several segments, each a unit of progress. Vector segments share one trained model.
     */
    public long segmentRows() { return segmentRows; }
    public MaintenanceOptions segmentRows(long n) {
        if (n < 1) {
            throw new IllegalArgumentException("segmentRows must be >= 1");
        }
        segmentRows = n;
        return this;
    }

    /** k-means iterations for vector training when the index's options do not say (default 50, Lance's). */
    public int vectorMaxIters() { return vectorMaxIters; }
    public MaintenanceOptions vectorMaxIters(int n) { vectorMaxIters = n; return this; }

    /** Training sample rate when the index's options do not say (default 256, Lance's). */
    public int vectorSampleRate() { return vectorSampleRate; }
    public MaintenanceOptions vectorSampleRate(int n) { vectorSampleRate = n; return this; }

    /** Compaction: target rows per fragment (default 1,048,576, Lance's). */
    public long targetRowsPerFragment() { return targetRowsPerFragment; }
    public MaintenanceOptions targetRowsPerFragment(long n) { targetRowsPerFragment = n; return this; }

    /** Compaction runs when at least this many fragments are small (default 4). */
    public int minSmallFragments() { return minSmallFragments; }
    public MaintenanceOptions minSmallFragments(int n) { minSmallFragments = n; return this; }

    /** A fragment is small below this fraction of {@link #targetRowsPerFragment()} (default 0.5). */
    public double smallFragmentFraction() { return smallFragmentFraction; }
    public MaintenanceOptions smallFragmentFraction(double f) { smallFragmentFraction = f; return this; }

    /** Compaction also runs when a fragment has at least this fraction of deleted rows (default 0.1). */
    public double deletedRowRatio() { return deletedRowRatio; }
    public MaintenanceOptions deletedRowRatio(double f) { deletedRowRatio = f; return this; }

    /** Cleanup keeps the Lance versions pinned by the newest N manifest versions (default 10, at least 1). */
    public int retainManifestVersions() { return retainManifestVersions; }
    public MaintenanceOptions retainManifestVersions(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("retainManifestVersions must be >= 1 (the latest manifest is always retained)");
        }
        retainManifestVersions = n;
        return this;
    }

    /** Cleanup also keeps the versions pinned by manifests published within this age (default 24 h). */
    public Duration retainAge() { return retainAge; }
    public MaintenanceOptions retainAge(Duration d) { retainAge = d; return this; }

    /**
     * Whether cleanup may delete unverified files (written but never committed, e.g. a crashed
     * writer's staged fragments or an abandoned index build) younger than Lance's fixed 7-day
     * safety window. Default false: such files are removed only once 7 days old. True is unsafe
     * while a writer stages data (writers stage before taking their lease).
     */
    public boolean deleteUnverified() { return deleteUnverified; }
    public MaintenanceOptions deleteUnverified(boolean b) { deleteUnverified = b; return this; }

    /** Crash points (tests, crash drills). */
    public IndexFailpoints failpoints() { return failpoints; }
    public MaintenanceOptions failpoints(IndexFailpoints f) { failpoints = f; return this; }
}
