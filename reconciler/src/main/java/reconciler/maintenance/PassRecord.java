package reconciler.maintenance;

import java.time.Instant;
import reconciler.core.ReconcilePass;

/**
 * One reconcile pass of the daemon over a graph (any trigger).
 *
 * @param trigger {@code watch}, {@code poll}, {@code once} or {@code maintenance}
 * @param startedAt when it started
 * @param durationMillis how long it took
 * @param report its report, or null if it failed
 * @param error why it failed, or null
 */
public record PassRecord(String trigger, Instant startedAt, long durationMillis, ReconcilePass.Report report, String error) {
}
