package reconciler.writer;

import java.util.Locale;

/**
 * Crash points of the reference writer. Selected by the environment variable
 * {@code RECONCILER_FAILPOINT} (or system property {@code reconciler.failpoint}), one of
 * {@code after-sidecar}, {@code after-commit:K} (after the K-th table commit, 1-based),
 * {@code after-publish}, {@code after-sidecar-delete}. {@code RECONCILER_FAILPOINT_OP} (or
 * {@code reconciler.failpoint.op}) chooses which operation of the process halts, 1-based, default 1.
 *
 * <p>A hit failpoint prints {@code FAILPOINT <name> op=<operationId>} to stderr and halts the JVM
 * with exit code {@value #EXIT_CODE} via {@link Runtime#halt}: no shutdown hooks, no finally blocks,
 * no lease release, exactly like a crash.
 */
public final class Failpoints {

    /** Exit code of a JVM halted at a failpoint. */
    public static final int EXIT_CODE = 77;

    private final String point;
    private final int operation;
    private int operationsStarted;

    public Failpoints(String point, int operation) {
        this.point = point == null || point.isBlank() ? null : point.trim().toLowerCase(Locale.ROOT);
        this.operation = operation;
        if (this.point != null) {
            validate(this.point);
        }
    }

    /** No failpoints. */
    public static Failpoints none() {
        return new Failpoints(null, 1);
    }

    /** From the environment or system properties. @throws IllegalArgumentException on a bad name */
    public static Failpoints fromEnvironment() {
        String p = System.getProperty("reconciler.failpoint", System.getenv("RECONCILER_FAILPOINT"));
        String op = System.getProperty("reconciler.failpoint.op", System.getenv("RECONCILER_FAILPOINT_OP"));
        return new Failpoints(p, op == null || op.isBlank() ? 1 : Integer.parseInt(op.trim()));
    }

    /** @throws IllegalArgumentException unless {@code p} names a failpoint */
    public static void validate(String p) {
        if (p.equals("after-sidecar") || p.equals("after-publish") || p.equals("after-sidecar-delete")) {
            return;
        }
        if (p.startsWith("after-commit:")) {
            try {
                if (Integer.parseInt(p.substring("after-commit:".length())) >= 1) {
                    return;
                }
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw new IllegalArgumentException("unknown failpoint '" + p
                + "' (expected after-sidecar, after-commit:K with K >= 1, after-publish, after-sidecar-delete)");
    }

    /** Called when an operation starts. */
    synchronized void operationStarted() {
        operationsStarted++;
    }

    /** Halts the JVM if {@code name} is the armed failpoint of the current operation. */
    synchronized void hit(String name, String operationId) {
        if (point != null && point.equals(name) && operationsStarted == operation) {
            System.out.flush();
            System.err.println("FAILPOINT " + name + " op=" + operationId);
            System.err.flush();
            Runtime.getRuntime().halt(EXIT_CODE);
        }
    }
}
