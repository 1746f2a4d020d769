package reconciler.http;

import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Snapshot;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import com.codahale.metrics.Timer;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import reconciler.metrics.BucketTimers;

/**
 * The daemon's Dropwizard registry as Prometheus text ({@code GET /metrics}) and as JSON
 * ({@code GET /metrics?format=json}). Per-graph metrics ({@code reconciler.graph.<g>.…}) and
 * maintenance job counters become labelled families; everything else goes through the
 * Dropwizard bridge ({@link DropwizardExports}, names with dots turned into underscores, counters
 * with {@code _total}, timers as summaries in seconds). Duration timers made by
 * {@link BucketTimers} become histograms with base units in their names
 * ({@code reconciler_pass_duration_seconds}, ...). docs/maintenance.md lists the families.
 */
final class MetricsExport {

    /** A labelled family: Dropwizard names matching {@code pattern} become data points of {@code name}. */
    private record Family(Pattern pattern, String name, String help, boolean counter, String... labels) {
    }

    private static final List<Family> FAMILIES = List.of(
            new Family(Pattern.compile("reconciler\\.graph\\.([^.]+)\\.sidecars\\.(pending|deferred|corrupt)"), "reconciler_graph_sidecars",
                    "sidecars on disk by state (pending includes deferred)", false, "graph", "state"),
            new Family(Pattern.compile("reconciler\\.graph\\.([^.]+)\\.sidecars\\.oldest_age_seconds"), "reconciler_graph_oldest_sidecar_age_seconds",
                    "age of the oldest pending sidecar (0 when none)", false, "graph"),
            new Family(Pattern.compile("reconciler\\.graph\\.([^.]+)\\.manifest_version"), "reconciler_graph_manifest_version",
                    "latest manifest version", false, "graph"),
            new Family(Pattern.compile("reconciler\\.graph\\.([^.]+)\\.caught_up"), "reconciler_graph_caught_up",
                    "1 when background maintenance has caught up (docs/maintenance.md)", false, "graph"),
            new Family(Pattern.compile("reconciler\\.graph\\.([^.]+)\\.table\\.([^.]+)\\.drift"), "reconciler_table_drift",
                    "Lance HEAD minus the manifest pin", false, "graph", "table"),
            new Family(Pattern.compile("reconciler\\.graph\\.([^.]+)\\.table\\.([^.]+)\\.index\\.([^.]+)\\.coverage"), "reconciler_index_coverage_ratio",
                    "rows of the pinned version an index covers, as a fraction", false, "graph", "table", "index"),
            new Family(Pattern.compile("reconciler\\.graph\\.([^.]+)\\.table\\.([^.]+)\\.index\\.([^.]+)\\.unindexed_rows"),
                    "reconciler_index_unindexed_rows", "rows of the pinned version an index does not cover (index lag)", false,
                    "graph", "table", "index"),
            new Family(Pattern.compile("reconciler\\.graph\\.([^.]+)\\.maintenance\\.([^.]+)\\.progress"), "reconciler_maintenance_progress_ratio",
                    "progress of the running (or last) maintenance job of a kind", false, "graph", "kind"),
            new Family(Pattern.compile("reconciler\\.passes\\.(watch|poll|once|maintenance)"), "reconciler_passes",
                    "reconcile passes by trigger", true, "trigger"),
            new Family(Pattern.compile("reconciler\\.sidecars\\.(resolved|deferred|busy|failed)"), "reconciler_sidecar_outcomes",
                    "sidecar outcomes of passes by status (busy: a live writer held the leases, normal while it writes; alert on failed)",
                    true, "status"),
            new Family(Pattern.compile("reconciler\\.leases\\.acquisitions\\.(acquired|busy)"), "reconciler_lease_acquisitions",
                    "the daemon's lease acquisitions by result (busy: a live holder kept a lease past the wait, normal while writers write)",
                    true, "result"),
            new Family(Pattern.compile("reconciler\\.decisions\\.([a-z_]+)"), "reconciler_recovery_decisions",
                    "recovery decisions taken by action", true, "action"),
            new Family(Pattern.compile("reconciler\\.maintenance\\.([^.]+)\\.(succeeded|failed|cancelled)"), "reconciler_maintenance_jobs",
                    "finished maintenance jobs by kind and state", true, "kind", "state"));

    /** Bucket timers exported as histograms: Dropwizard name pattern, Prometheus name, help, labels from the groups. */
    private static final List<Family> HISTOGRAMS = List.of(
            new Family(Pattern.compile("reconciler\\.pass"), "reconciler_pass_duration_seconds", "reconcile pass duration", false),
            new Family(Pattern.compile("reconciler\\.leases\\.wait"), "reconciler_lease_wait_seconds",
                    "the daemon's lease acquisitions: call to all leases held, fencing-token bumps included", false),
            new Family(Pattern.compile("reconciler\\.leases\\.broken\\.wait"), "reconciler_lease_break_wait_seconds",
                    "from seeing a dead same-host holder's lock node to breaking its lease", false),
            new Family(Pattern.compile("reconciler\\.maintenance\\.([^.]+)\\.duration"), "reconciler_maintenance_job_duration_seconds",
                    "maintenance job run time by kind", false, "kind"));

    private final MetricRegistry registry;
    private final PrometheusRegistry prometheus = new PrometheusRegistry();

    MetricsExport(MetricRegistry registry) {
        this.registry = registry;
        DropwizardExports.builder().dropwizardRegistry(registry).metricFilter((name, m) -> family(name) == null && histogram(name, m) == null).register(prometheus);
        prometheus.register(new Labelled());
        JvmMetrics.builder().register(prometheus); // jvm_* and process_* families
        Info build = Info.builder().name("reconciler_build").help("the running build: version label, value 1").labelNames("version")
                .register(prometheus);
        build.addLabelValues(version());
    }

    /** The build's version: the jar manifest's Implementation-Version, or {@code dev} when run from classes. */
    static String version() {
        String v = MetricsExport.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private static Family family(String name) {
        for (Family f : FAMILIES) {
            if (f.pattern().matcher(name).matches()) {
                return f;
            }
        }
        return null;
    }

    /** The histogram family of a Dropwizard metric: a bucket timer whose name matches one; else null. */
    private static Family histogram(String name, com.codahale.metrics.Metric m) {
        if (!(m instanceof Timer t) || !(t.getSnapshot() instanceof BucketTimers.BucketSnapshot)) {
            return null;
        }
        for (Family f : HISTOGRAMS) {
            if (f.pattern().matcher(name).matches()) {
                return f;
            }
        }
        return null;
    }

    /** The labelled families. */
    private final class Labelled implements MultiCollector {
        @Override
        public MetricSnapshots collect() {
            Map<Family, List<Object[]>> points = new LinkedHashMap<>();
            for (Map.Entry<String, Gauge> e : registry.getGauges().entrySet()) {
                add(points, e.getKey(), e.getValue().getValue());
            }
            for (Map.Entry<String, Counter> e : registry.getCounters().entrySet()) {
                add(points, e.getKey(), e.getValue().getCount());
            }
            MetricSnapshots.Builder b = MetricSnapshots.builder();
            histograms(b);
            for (Map.Entry<Family, List<Object[]>> e : points.entrySet()) {
                Family f = e.getKey();
                if (f.counter()) {
                    CounterSnapshot.Builder cb = CounterSnapshot.builder().name(f.name()).help(f.help());
                    for (Object[] p : e.getValue()) {
                        cb.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value((Double) p[0]).labels((Labels) p[1]).build());
                    }
                    b.metricSnapshot(cb.build());
                } else {
                    GaugeSnapshot.Builder gb = GaugeSnapshot.builder().name(f.name()).help(f.help());
                    for (Object[] p : e.getValue()) {
                        gb.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value((Double) p[0]).labels((Labels) p[1]).build());
                    }
                    b.metricSnapshot(gb.build());
                }
            }
            return b.build();
        }

        private void histograms(MetricSnapshots.Builder b) {
            double[] bounds = new double[BucketTimers.BOUNDS_SECONDS.length + 1];
            System.arraycopy(BucketTimers.BOUNDS_SECONDS, 0, bounds, 0, BucketTimers.BOUNDS_SECONDS.length);
            bounds[bounds.length - 1] = Double.POSITIVE_INFINITY;
            Map<Family, HistogramSnapshot.Builder> out = new LinkedHashMap<>();
            for (Map.Entry<String, Timer> e : registry.getTimers().entrySet()) {
                Family f = histogram(e.getKey(), e.getValue());
                if (f == null) {
                    continue;
                }
                BucketTimers.BucketSnapshot s = (BucketTimers.BucketSnapshot) e.getValue().getSnapshot();
                Matcher m = f.pattern().matcher(e.getKey());
                m.matches();
                String[] vals = new String[f.labels().length];
                for (int i = 0; i < vals.length; i++) {
                    vals[i] = m.group(i + 1);
                }
                out.computeIfAbsent(f, k -> HistogramSnapshot.builder().name(k.name()).help(k.help()))
                        .dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                                .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, s.bucketCounts()))
                                .sum(s.sumSeconds()).labels(Labels.of(f.labels(), vals)).build());
            }
            out.values().forEach(h -> b.metricSnapshot(h.build()));
        }

        private void add(Map<Family, List<Object[]>> points, String name, Object value) {
            Family f = family(name);
            if (f == null) {
                return;
            }
            double v;
            if (value instanceof Number n) {
                v = n.doubleValue();
            } else if (value instanceof Boolean bo) {
                v = bo ? 1 : 0;
            } else {
                return;
            }
            Matcher m = f.pattern().matcher(name);
            if (!m.matches()) {
                return;
            }
            String[] vals = new String[f.labels().length];
            for (int i = 0; i < vals.length; i++) {
                vals[i] = m.group(i + 1);
            }
            points.computeIfAbsent(f, k -> new ArrayList<>()).add(new Object[] {v, Labels.of(f.labels(), vals)});
        }
    }

    /** Writes the Prometheus text format (version 0.0.4). */
    void writeText(OutputStream out) throws IOException {
        PrometheusTextFormatWriter.create().write(out, prometheus.scrape());
    }

    static String textContentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }

    /** The registry as JSON: gauges, counters, histograms, meters, timers (durations in milliseconds). */
    Map<String, Object> json() {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> gauges = new TreeMap<>();
        registry.getGauges().forEach((k, g) -> {
            Object v;
            try {
                v = g.getValue();
            } catch (RuntimeException e) {
                v = null;
            }
            gauges.put(k, v instanceof Number || v instanceof Boolean || v instanceof String ? v : v == null ? null : v.toString());
        });
        Map<String, Object> counters = new TreeMap<>();
        registry.getCounters().forEach((k, c) -> counters.put(k, c.getCount()));
        Map<String, Object> histograms = new TreeMap<>();
        registry.getHistograms().forEach((k, h) -> histograms.put(k, snapshot(h.getCount(), h.getSnapshot(), 1)));
        Map<String, Object> meters = new TreeMap<>();
        registry.getMeters().forEach((k, m) -> meters.put(k, rates(m)));
        Map<String, Object> timers = new TreeMap<>();
        registry.getTimers().forEach((k, t) -> {
            Map<String, Object> m = snapshot(t.getCount(), t.getSnapshot(), TimeUnit.MILLISECONDS.toNanos(1));
            m.putAll(rates(t));
            timers.put(k, m);
        });
        out.put("gauges", gauges);
        out.put("counters", counters);
        out.put("histograms", histograms);
        out.put("meters", meters);
        out.put("timers", timers);
        return out;
    }

    private static Map<String, Object> snapshot(long count, Snapshot s, double divisor) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", count);
        m.put("min", s.getMin() / divisor);
        m.put("mean", s.getMean() / divisor);
        m.put("p50", s.getMedian() / divisor);
        m.put("p95", s.get95thPercentile() / divisor);
        m.put("p99", s.get99thPercentile() / divisor);
        m.put("max", s.getMax() / divisor);
        return m;
    }

    private static Map<String, Object> rates(com.codahale.metrics.Metered m) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("count", m.getCount());
        r.put("meanRatePerSecond", m.getMeanRate());
        r.put("m1RatePerSecond", m.getOneMinuteRate());
        return r;
    }
}
