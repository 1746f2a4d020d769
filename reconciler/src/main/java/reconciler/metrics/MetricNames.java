package reconciler.metrics;

/** Metric name parts made from graph, table, index and kind names. */
public final class MetricNames {

    private MetricNames() {
    }

    /**
     * One segment of a dotted Dropwizard name: characters other than {@code [A-Za-z0-9_:-]} become
     * {@code _} (so a dot in a name cannot split it); {@code unknown} for null.
     */
    public static String segment(String s) {
        return s == null ? "unknown" : s.replaceAll("[^A-Za-z0-9_:-]", "_");
    }
}
