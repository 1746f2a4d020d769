package reconciler.indexer;

import java.util.Locale;

/**
 * Crash points of the indexer's commit protocol, the counterpart of
 * {@link reconciler.graph.Failpoints} for index builds, index drops and compactions. Names:
 * {@code after-sidecar} (sidecar written, nothing committed), {@code after-commit} (the Lance
 * commit landed, the manifest not yet published), {@code after-publish} (published, sidecar still
 * on disk). Each point is qualified by the operation kind, e.g. {@code index-build:after-commit},
 * {@code compaction:after-commit}; the bare name matches every kind.
 *
 * <p>{@link #fromEnvironment()} reads {@code RECONCILER_INDEX_FAILPOINT} (or the system property
 * {@code reconciler.index.failpoint}) and halts the JVM with exit code 77 like the writer's
 * failpoints. Tests use {@link #throwing(String)}, which throws {@link Crash} instead: the
 * in-process equivalent of a crash, since the indexer deliberately leaves the sidecar on disk
 * when a step after the sidecar write fails.
 */
@FunctionalInterface
public interface IndexFailpoints {

    /** Called at each point; may halt the JVM or throw {@link Crash}. */
    void hit(String kind, String point, String operationId);

    /** The exception of {@link #throwing}: a simulated crash. */
    final class Crash extends RuntimeException {
        public Crash(String message) {
            super(message);
        }
    }

    /** No failpoints. */
    static IndexFailpoints none() {
        return (k, p, o) -> { };
    }

    /** Throws {@link Crash} at {@code point} ({@code kind:point} or a bare point). */
    static IndexFailpoints throwing(String point) {
        String want = point.toLowerCase(Locale.ROOT);
        return (k, p, o) -> {
            if (want.equals(p) || want.equals(k + ":" + p)) {
                throw new Crash("failpoint " + k + ":" + p + " op=" + o);
            }
        };
    }

    /** From {@code RECONCILER_INDEX_FAILPOINT}: halts the JVM with exit code 77 at that point. */
    static IndexFailpoints fromEnvironment() {
        String p = System.getProperty("reconciler.index.failpoint", System.getenv("RECONCILER_INDEX_FAILPOINT"));
        if (p == null || p.isBlank()) {
            return none();
        }
        String want = p.trim().toLowerCase(Locale.ROOT);
        return (k, point, o) -> {
            if (want.equals(point) || want.equals(k + ":" + point)) {
                System.out.flush();
                System.err.println("FAILPOINT " + k + ":" + point + " op=" + o);
                System.err.flush();
                Runtime.getRuntime().halt(reconciler.graph.Failpoints.EXIT_CODE);
            }
        };
    }
}
