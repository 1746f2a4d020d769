package reconciler.graph;

import java.util.Locale;

/**
 * Crash points of the reference writer. Selected by the environment variable
 * {@code RECONCILER_FAILPOINT} (or system property {@code reconciler.failpoint}), one of
 * {@code after-sidecar}, {@code before-commit:K} (after the lease check, right before the K-th
 * table commit), {@code after-commit:K} (after the K-th table commit, 1-based),
 * {@code before-publish} (after the lease check, right before the publish), {@code after-publish},
 * {@code after-sidecar-delete}. The {@code before-*} points, with a pause, model a writer that
 * stalls (GC, SIGSTOP) after its last lease check: a zombie. {@code RECONCILER_FAILPOINT_OP} (or
 * {@code reconciler.failpoint.op}) chooses which operation of the process halts, 1-based, default 1.
 *
 * <p>The reconciler has its own points, hit while it recovers a sidecar (the K-th sidecar of the
 * process with {@code RECONCILER_FAILPOINT_OP=K}): {@code recovery-after-restore} (after the first
 * compensating Restore), {@code recovery-after-publish} (after the recovery publish) and
 * {@code recovery-after-audit} (after the audit record, before the sidecar delete).
 *
 * <p>A hit failpoint prints {@code FAILPOINT <name> op=<operationId>} to stderr and halts the JVM
 * with exit code {@value #EXIT_CODE} via {@link Runtime#halt}: no shutdown hooks, no finally blocks,
 * no lease release, exactly like a crash. With {@code RECONCILER_FAILPOINT_PAUSE_UNTIL=FILE} (or
 * {@code reconciler.failpoint.pauseUntil}) it instead prints {@code PAUSED <name> op=<id>} and
 * blocks, leases held, until FILE exists: a live but slow writer.
 */
public final class Failpoints {

    /** Exit code of a JVM halted at a failpoint. */
    public static final int EXIT_CODE = 77;

    private final String point;
    private final int operation;
    private final java.nio.file.Path pauseUntil;
    private boolean throwing;
    private int operationsStarted;
    /** The ordinal (1-based, process-wide start order) of the operation this thread is carrying out. */
    private final ThreadLocal<Integer> current = new ThreadLocal<>();

    /**
     * Thrown instead of halting by {@link #throwing} failpoints: the in-process stand-in for a crash
     * in tests. An {@link Error}, so no {@code catch (Exception)} on the way up cleans anything
     * protocol-visible (a sidecar stays exactly where a crash leaves it); leases held in
     * try-with-resources are released, like the session of a dead process expiring.
     */
    public static final class Crash extends Error {
        private static final long serialVersionUID = 1L;

        Crash(String name, String operationId) {
            super("crash at failpoint " + name + " (operation " + operationId + ")");
        }
    }

    /** A failpoint that throws {@link Crash} instead of halting the JVM, at the {@code operation}-th operation. */
    public static Failpoints throwing(String point, int operation) {
        Failpoints f = new Failpoints(point, operation);
        f.throwing = true;
        return f;
    }

    public Failpoints(String point, int operation) {
        this(point, operation, null);
    }

    /** @param pauseUntil if not null, a hit failpoint blocks until this file exists instead of halting */
    public Failpoints(String point, int operation, java.nio.file.Path pauseUntil) {
        this.pauseUntil = pauseUntil;
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
        String pause = System.getProperty("reconciler.failpoint.pauseUntil", System.getenv("RECONCILER_FAILPOINT_PAUSE_UNTIL"));
        return new Failpoints(p, op == null || op.isBlank() ? 1 : Integer.parseInt(op.trim()),
                pause == null || pause.isBlank() ? null : java.nio.file.Path.of(pause));
    }

    /** @throws IllegalArgumentException unless {@code p} names a failpoint */
    public static void validate(String p) {
        if (p.equals("before-sidecar") || p.equals("after-sidecar") || p.equals("after-publish") || p.equals("after-sidecar-delete") || p.equals("before-publish")
                || p.equals("recovery-after-restore") || p.equals("recovery-after-publish") || p.equals("recovery-after-audit")
                || p.equals("fork-after-sidecar") || p.equals("fork-after-branch") || p.equals("fork-after-publish")
                || p.equals("orphan-after-reclaim") || p.equals("orphan-after-audit")) {
            return;
        }
        if (p.startsWith("after-commit:") || p.startsWith("before-commit:")) {
            try {
                if (Integer.parseInt(p.substring(p.indexOf(':') + 1)) >= 1) {
                    return;
                }
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw new IllegalArgumentException("unknown failpoint '" + p
                + "' (expected before-sidecar, after-sidecar, before-commit:K, after-commit:K with K >= 1, before-publish, after-publish, after-sidecar-delete, "
                + "recovery-after-restore, recovery-after-publish, recovery-after-audit, fork-after-sidecar, fork-after-branch, fork-after-publish, "
                + "orphan-after-reclaim, orphan-after-audit)");
    }

    /** Called when an operation (a write, or one sidecar's recovery) starts, on the thread that carries it out. */
    public synchronized void operationStarted() {
        operationsStarted++;
        current.set(operationsStarted);
    }

    /**
     * Whether {@code name} is the armed failpoint and this thread's current operation is the
     * armed one. Per thread: a daemon recovers several graphs at once, and a process-wide count
     * would have moved on by the time the first operation reaches its failpoint.
     */
    boolean armed(String name) {
        Integer ordinal = current.get();
        return point != null && point.equals(name) && ordinal != null && ordinal == operation;
    }

    /**
     * Halts (or pauses) the JVM if {@code name} is the armed failpoint of the current operation.
     * A pause blocks only the calling thread (other operations of the process go on).
     */
    public void hit(String name, String operationId) {
        if (armed(name)) {
            if (pauseUntil != null) {
                System.err.println("PAUSED " + name + " op=" + operationId);
                System.err.flush();
                while (!java.nio.file.Files.exists(pauseUntil)) {
                    try {
                        Thread.sleep(20); // waiting for a file another process creates: polling is the condition
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                return;
            }
            if (throwing) {
                throw new Crash(name, operationId);
            }
            System.out.flush();
            System.err.println("FAILPOINT " + name + " op=" + operationId);
            System.err.flush();
            Runtime.getRuntime().halt(EXIT_CODE);
        }
    }
}
