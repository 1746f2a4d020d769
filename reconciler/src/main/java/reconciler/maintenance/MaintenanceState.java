package reconciler.maintenance;

import java.util.List;
import java.util.Map;

/**
 * A graph's maintenance state: the object benchmark harnesses record beside every measurement
 * (MemPalace RFC 001 §7.3), served by {@code GET /v1/graphs/{graph}/maintenance-state} and
 * {@code reconciler maintenance-state GRAPH --json}. Every field is documented in
 * docs/maintenance.md; additions are allowed, renames and removals need a new
 * {@code formatVersion}.
 *
 * @param formatVersion 1
 * @param graph graph id (null if the root has no readable manifest)
 * @param root graph root as configured
 * @param observedAt when this state was observed (ISO-8601)
 * @param manifestVersion latest manifest version (null on error)
 * @param owner the daemon owning the graph (ZooKeeper), or null
 * @param ownedHere whether that is this daemon
 * @param sidecars pending / deferred / corrupt sidecars and the oldest one's age
 * @param tables per table: pin, HEAD, drift, rows, fragments, indexes, compaction
 * @param kinds per advertised maintenance kind: last run, running and queued jobs
 * @param background background maintenance: the daemon's last pass
 * @param caughtUp whether background maintenance has caught up (see {@code notCaughtUp})
 * @param notCaughtUp why not, one line each; empty when caught up
 * @param contributors names of the registered state contributors (e.g. the indexer); empty: none
 * @param error why the state could not be observed, or null
 */
public record MaintenanceState(int formatVersion, String graph, String root, String observedAt, Long manifestVersion,
                               String owner, boolean ownedHere, Sidecars sidecars, List<TableState> tables,
                               Map<String, KindState> kinds, Background background, boolean caughtUp,
                               List<String> notCaughtUp, List<String> contributors, String error) {

    public static final int FORMAT_VERSION = 1;

    /**
     * @param pending valid sidecars on disk (a crashed or running writer's operation), deferred ones included
     * @param deferred of those, the ones the reconciler deferred (audited {@code deferred})
     * @param corrupt refused sidecar files (kept on disk for an operator)
     * @param oldestAgeSeconds age of the oldest pending sidecar (from its {@code createdAt}), or null when none
     * @param oldestOperationId its operation id, or null
     * @param items each pending sidecar
     * @param corruptKeys storage keys of the corrupt ones
     */
    public record Sidecars(int pending, int deferred, int corrupt, Double oldestAgeSeconds, String oldestOperationId,
                           List<SidecarItem> items, List<String> corruptKeys) {
    }

    /**
     * @param operationId the operation
     * @param createdAt when its writer wrote it
     * @param ageSeconds now - createdAt
     * @param tables table keys it covers
     * @param decision what the reconciler would do now (dry run)
     * @param deferred whether it was deferred
     */
    public record SidecarItem(String operationId, String createdAt, double ageSeconds, List<String> tables, String decision,
                              boolean deferred) {
    }

    /**
     * @param table table key
     * @param pinnedVersion manifest pin
     * @param headVersion Lance HEAD
     * @param drift HEAD - pin (0 when healthy)
     * @param rows rows at the pin, or null if not observed
     * @param fragments fragments at the pin, or null
     * @param deletedRows soft-deleted rows at the pin, or null
     * @param indexes every Lance index at the pin and every declared index
     * @param compaction compaction state, or null if not observed
     * @param error why the table could not be inspected, or null
     */
    public record TableState(String table, long pinnedVersion, long headVersion, long drift, Long rows, Integer fragments,
                             Long deletedRows, List<IndexState> indexes, Compaction compaction, String error) {
    }

    /**
     * @param name index name
     * @param column indexed column, or null when only Lance's field ids are known
     * @param type Lance index type
     * @param declared whether a contributor's catalog declares it
     * @param exists whether it exists at the pin
     * @param rowsIndexed rows of the pinned version it covers
     * @param rowsTotal rows of the pinned version
     * @param coverage rowsIndexed / rowsTotal (1.0 for an empty table)
     * @param uncoveredFragments fragments it does not cover
     * @param segments index segments (deltas), or null for a declared index that does not exist
     */
    public record IndexState(String name, String column, String type, boolean declared, boolean exists, long rowsIndexed,
                             long rowsTotal, double coverage, int uncoveredFragments, Integer segments) {
    }

    /**
     * @param fragments fragments at the pin
     * @param rows rows at the pin
     * @param deletedRows soft-deleted rows (a compaction materialises them)
     * @param needed whether the compaction policy would rewrite the table now; null when no policy is registered
     * @param detail one line from the policy, or null
     * @param source {@code observed} (the daemon's own look at Lance) or the contributor's name
     */
    public record Compaction(int fragments, long rows, long deletedRows, Boolean needed, String detail, String source) {
    }

    /**
     * @param lastRun the last finished run of this kind on the graph (since the daemon started), or null
     * @param running id of the running job of this kind, or null
     * @param queued jobs of this kind waiting
     */
    public record KindState(LastRun lastRun, String running, int queued) {
    }

    /**
     * @param jobId job id
     * @param state succeeded, failed or cancelled
     * @param startedAt ISO-8601, or null if it never started
     * @param finishedAt ISO-8601
     * @param durationMs run time, or null
     * @param summary one line, or null
     * @param error error message, or null
     */
    public record LastRun(String jobId, String state, String startedAt, String finishedAt, Long durationMs, String summary,
                          String error) {
    }

    /**
     * @param lastPass the daemon's last reconcile pass over the graph (any trigger), or null
     * @param pollInterval the safety poll interval (ISO-8601 duration)
     * @param events whether passes are event-driven
     */
    public record Background(PassSummary lastPass, String pollInterval, boolean events, boolean paused) {
    }

    /**
     * @param trigger watch, poll, once or maintenance
     * @param startedAt ISO-8601
     * @param durationMs how long it took
     * @param converged whether the graph converged after it (null if it failed)
     * @param error why it failed, or null
     */
    public record PassSummary(String trigger, String startedAt, long durationMs, Boolean converged, String error) {
    }
}
