package reconciler.maintenance;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** One requested maintenance run: queued → running → succeeded | failed | cancelled. Thread-safe. */
public final class MaintenanceJob {

    /** Job states (JSON: lower case). */
    public enum State {
        QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

        public boolean finished() {
            return this == SUCCEEDED || this == FAILED || this == CANCELLED;
        }

        /** Ended badly: {@code failed} or {@code cancelled} (the CLI exits 4). */
        public boolean unsuccessful() {
            return this == FAILED || this == CANCELLED;
        }

        /** {@code queued}, {@code running}, {@code succeeded}, {@code failed} or {@code cancelled}. */
        public String json() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /**
         * The state a JSON {@code state} names (a job view from the API).
         *
         * @return the state, or empty for a value this version does not know (treated as not finished)
         */
        public static java.util.Optional<State> ofJson(String json) {
            for (State s : values()) {
                if (s.json().equals(json)) {
                    return java.util.Optional.of(s);
                }
            }
            return java.util.Optional.empty();
        }
    }

    private final String id;
    private final String graphId;
    private final String kind;
    private final Instant submittedAt = Instant.now();
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile State state = State.QUEUED;
    private volatile Instant startedAt;
    private volatile Instant finishedAt;
    private volatile long startNanos;
    private volatile long durationMillis = -1;
    private volatile double progress;
    private volatile String step;
    private volatile MaintenanceResult result;
    private volatile String errorType;
    private volatile String errorMessage;
    private volatile boolean stopRequested;

    MaintenanceJob(String id, String graphId, String kind) {
        this.id = id;
        this.graphId = graphId;
        this.kind = kind;
    }

    public String id() {
        return id;
    }

    public String graphId() {
        return graphId;
    }

    public String kind() {
        return kind;
    }

    public State state() {
        return state;
    }

    public double progress() {
        return progress;
    }

    boolean stopRequested() {
        return stopRequested;
    }

    void requestStop() {
        stopRequested = true;
    }

    void progress(double fraction, String step) {
        this.progress = fraction;
        this.step = step;
    }

    synchronized boolean start() {
        if (state != State.QUEUED) {
            return false;
        }
        startedAt = Instant.now();
        startNanos = System.nanoTime();
        state = State.RUNNING;
        return true;
    }

    synchronized void succeed(MaintenanceResult r) {
        result = r;
        progress = 1;
        finish(State.SUCCEEDED);
    }

    synchronized void fail(Throwable e) {
        errorType = e instanceof NotReadyException ? NotReadyException.TYPE : e.getClass().getSimpleName();
        errorMessage = e.getMessage() == null ? e.toString() : e.getMessage();
        finish(State.FAILED);
    }

    /** Cancels a queued job. @return whether it was still queued */
    synchronized boolean cancel(String why) {
        if (state != State.QUEUED) {
            return false;
        }
        errorType = "Cancelled";
        errorMessage = why;
        finish(State.CANCELLED);
        return true;
    }

    private void finish(State s) {
        finishedAt = Instant.now();
        if (startedAt != null) {
            durationMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        }
        state = s;
        done.countDown();
    }

    /** Waits until the job finished or {@code wait} passed. @return whether it finished */
    public boolean await(Duration wait) throws InterruptedException {
        return done.await(Math.max(0, wait.toMillis()), TimeUnit.MILLISECONDS);
    }

    /** Duration of the run in milliseconds, or -1 if it did not finish a run. */
    public long durationMillis() {
        return durationMillis;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public Instant finishedAt() {
        return finishedAt;
    }

    /** The JSON view (docs/maintenance.md, "Job"). */
    public View view() {
        State s = state;
        return new View(id, graphId, kind, s.json(), submittedAt.toString(), str(startedAt), str(finishedAt),
                durationMillis < 0 ? null : durationMillis, new Progress(progress, step),
                result == null ? null : result.summary(), result == null ? null : result.details(),
                errorType == null ? null : new Error(errorType, errorMessage));
    }

    private static String str(Instant i) {
        return i == null ? null : i.toString();
    }

    /**
     * @param id job id (ULID)
     * @param graph graph id
     * @param kind maintenance kind
     * @param state queued, running, succeeded, failed, cancelled
     * @param submittedAt ISO-8601
     * @param startedAt ISO-8601 or null
     * @param finishedAt ISO-8601 or null
     * @param durationMs run time or null
     * @param progress fraction 0..1 and current step
     * @param summary one line, when succeeded
     * @param result kind-specific details, when succeeded
     * @param error type and message, when failed or cancelled
     */
    public record View(String id, String graph, String kind, String state, String submittedAt, String startedAt,
                       String finishedAt, Long durationMs, Progress progress, String summary, java.util.Map<String, Object> result,
                       Error error) {
    }

    /** @param fraction 0..1 @param step current step, or null */
    public record Progress(double fraction, String step) {
    }

    /** @param type error type @param message what went wrong */
    public record Error(String type, String message) {
    }
}
