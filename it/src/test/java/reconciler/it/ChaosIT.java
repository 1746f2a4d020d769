package reconciler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;
import reconciler.bench.chaos.ChaosBackend;
import reconciler.bench.chaos.ChaosEngine;
import reconciler.bench.chaos.ChaosReport;
import reconciler.graph.Graph;

/**
 * A short randomized crash loop (the engine behind {@code bin/bench chaos}): two writer JVMs and
 * two daemon JVMs on one graph, SIGKILLed and SIGSTOPped (briefly, or past their ZooKeeper
 * session) at seeded random instants, then converged and checked: acknowledged operations visible
 * exactly once, no operation partly visible at any manifest version, fencing tokens never
 * decreasing, pins equal to Lance HEAD, no sidecar left, audit records one to one with recoveries.
 * Fixed seeds, so a failure names a reproducible fault schedule.
 */
class ChaosIT {

    @ParameterizedTest(name = "{0}: seed {1}, {2} rounds")
    @CsvSource({"LOCAL, 20261203, 24", "S3, 1203, 14"})
    void randomizedCrashLoopKeepsEveryInvariant(Harness.Backend backend, long seed, int rounds, @TempDir Path dir) throws Exception {
        S3Server s3 = backend == Harness.Backend.S3 ? S3Server.start(Harness.BUCKET, Harness.S3_ACCESS_KEY, Harness.S3_SECRET_KEY) : null;
        try (ChaosBackend b = s3 == null ? ChaosBackend.local(dir) : s3Backend(s3)) {
            ChaosEngine.Settings settings = new ChaosEngine.Settings(seed, rounds, b.name(), 2, 2, Duration.ofSeconds(2), System.out);
            ChaosReport report = new ChaosEngine(settings, b, dir, ChaosEngine.childJvm(
                    System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")), Harness.CHILD_TMP, null)).run();
            assertEquals(List.of(), report.violations(), "reproduce: " + report.reproduce(rounds));
            assertTrue(report.operations().getOrDefault("acked", 0L) > 0, "writers made progress: " + report.operations());
            assertEquals(rounds, report.faults().values().stream().mapToLong(Long::longValue).sum(), "one fault per round");
        } finally {
            if (s3 != null) {
                s3.close();
            }
        }
    }

    private static ChaosBackend s3Backend(S3Server s3) {
        String root = "s3://" + Harness.BUCKET + "/chaos-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        return new ChaosBackend() {
            @Override
            public String name() {
                return "s3";
            }

            @Override
            public String root() {
                return root;
            }

            @Override
            public String configYaml() {
                return String.join("\n", "s3:", "  endpoint: " + s3.endpoint(), "  region: us-east-1", "  pathStyle: true",
                        "  accessKeyIdEnv: RECONCILER_IT_AK", "  secretAccessKeyEnv: RECONCILER_IT_SK", "");
            }

            @Override
            public Map<String, String> env() {
                return Map.of("RECONCILER_IT_AK", Harness.S3_ACCESS_KEY, "RECONCILER_IT_SK", Harness.S3_SECRET_KEY);
            }

            @Override
            public Graph open() {
                return new Graph(new reconciler.storage.S3GraphStore(reconciler.storage.S3Location.parse(root),
                        reconciler.storage.S3Settings.forEndpoint(java.net.URI.create(s3.endpoint()), "us-east-1",
                                Harness.S3_ACCESS_KEY, Harness.S3_SECRET_KEY)));
            }

            @Override
            public void close() {
            }
        };
    }
}
