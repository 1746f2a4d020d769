package reconciler.bench.chaos;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;
import reconciler.graph.Graph;

/**
 * Where the chaos loop's graph root lives, as seen by the driver JVM and by its children. The
 * engine only needs these four things, so the integration tests can pass their own S3 server
 * (it/…/S3Server) and the benchmark its own (BenchBackend) without either depending on the other.
 */
public interface ChaosBackend extends AutoCloseable {

    /** {@code local} or {@code s3}, for reports and reproduction commands. */
    String name();

    /** The graph root: a directory path or {@code s3://bucket/prefix}. */
    String root();

    /** YAML appended to the children's config (the {@code s3:} section), or {@code ""}. */
    String configYaml();

    /** Environment variables for the children (S3 credentials named by {@link #configYaml()}), possibly empty. */
    Map<String, String> env();

    /** Opens the graph root in the driver JVM (the same storage code the children use). The caller closes it. */
    Graph open();

    /** A local directory root {@code dir/graph}. */
    static ChaosBackend local(Path dir) {
        Path root = dir.resolve("graph");
        return of("local", root.toString(), "", Map.of(), () -> Graph.local(root));
    }

    /** A backend of these parts whose storage lives elsewhere (closing it closes nothing). */
    static ChaosBackend of(String name, String root, String configYaml, Map<String, String> env, Supplier<Graph> opener) {
        return new Parts(name, root, configYaml, env, opener);
    }

    /**
     * The parts of a backend (see {@link #of}).
     *
     * @param name {@link #name()}
     * @param root {@link #root()}
     * @param configYaml {@link #configYaml()}
     * @param env {@link #env()}
     * @param opener what {@link #open()} calls
     */
    record Parts(String name, String root, String configYaml, Map<String, String> env, Supplier<Graph> opener) implements ChaosBackend {
        @Override
        public Graph open() {
            return opener.get();
        }

        @Override
        public void close() {
        }
    }
}
