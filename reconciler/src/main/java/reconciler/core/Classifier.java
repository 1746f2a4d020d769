package reconciler.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import reconciler.manifest.Manifest;
import reconciler.sidecar.Sidecar;
import reconciler.storage.CommitInfo;
import reconciler.storage.CommitLabel;
import reconciler.storage.CommitProperties;

/**
 * Decides what to do with a pending sidecar, from the manifest and each table's Lance history.
 * A pure function: no I/O, so every case is unit-tested (docs/protocol.md, "Classification").
 *
 * <p>Per table (pin = the latest manifest's pin, E = the sidecar's expected version):
 * <ul>
 *   <li>{@link TableState#SUPERSEDED}: pin != E under a recorded fencing token above the sidecar's, and
 *       nothing but fenced-off commits past the pin (HEAD == pin, or every later version carries a
 *       token below the recorded one): the sidecar was written by a writer that had already lost its
 *       lease (it stalled between its last lease check and the sidecar write), and a later lease
 *       holder published the table; nothing of the operation is or can become visible;</li>
 *   <li>{@link TableState#PIN_MOVED}: pin != E otherwise (someone published the table since);</li>
 *   <li>{@link TableState#HEAD_BEHIND_PIN}: HEAD < pin (invariant violation);</li>
 *   <li>{@link TableState#NO_MOVEMENT}: HEAD == pin;</li>
 *   <li>{@link TableState#OWN_COMMIT}: HEAD == pin + 1 and version pin + 1 is this operation's writer
 *       commit with the sidecar's fencing token, which is not below the manifest's token;</li>
 *   <li>{@link TableState#RESTORED}: HEAD == pin + 2, version pin + 1 is the own commit and pin + 2 is
 *       this operation's compensating Restore to the pin (an interrupted roll back);</li>
 *   <li>{@link TableState#FENCED_INTERLEAVED}: HEAD past the pin, and every version after the pin is a
 *       fenced-off writer commit (token below the manifest's) or this operation's own writer commit
 *       (at most one), at least one fenced-off: a zombie's late commit landed among this operation's
 *       (it stalled past its lease between its last check and its commit). Rolled back: Restore to
 *       the pin lands at HEAD + 1. A later interrupted roll back shows the own Restore at HEAD:
 *       {@link TableState#RESTORED};</li>
 *   <li>{@link TableState#FOREIGN}: anything else (foreign or fenced-off commits after the pin).</li>
 * </ul>
 * <b>Multi-version effects</b> (docs/indexes.md, "Compaction"): for a single-table sidecar whose
 * writer kind is in {@link #MULTI_COMMIT_KINDS} ({@code compaction}), {@link TableState#OWN_COMMIT}
 * also covers an <em>own run</em>: pin + 2 &lt;= HEAD &lt;= pin + {@link #MAX_OWN_RUN}, version pin + 1
 * is the operation's own labelled commit (its marker) and every later version up to HEAD is either
 * labelled with the same operation, role and token, or an unlabelled {@code ReserveFragments},
 * {@code Rewrite} or undecodable version (lance-java's compaction commit cannot carry transaction
 * properties, and 7.0.0 cannot decode a Rewrite that remapped indexes). Such a run only ever rolls
 * forward (a sidecar with an own run and anything but all-OWN_COMMIT tables is deferred). Every
 * other writer kind keeps the single-commit rule above.
 * Per sidecar: published already → {@link Action#FINISH}; all SUPERSEDED or NO_MOVEMENT, at least one
 * SUPERSEDED → {@link Action#ABORT} (the abort publish records the reconciler's tokens; fenced-off
 * commits past the pin become uncovered drift, reverted by the pass); any PIN_MOVED, HEAD_BEHIND_PIN,
 * FOREIGN or SUPERSEDED otherwise → {@link Action#DEFER}; all NO_MOVEMENT → {@link Action#ABORT}; all OWN_COMMIT →
 * {@link Action#ROLL_FORWARD}; otherwise (a mix of NO_MOVEMENT, OWN_COMMIT, RESTORED, FENCED_INTERLEAVED) →
 * {@link Action#ROLL_BACK}. One sidecar is one atomic unit: tables are never split between forward
 * and back.
 */
public final class Classifier {
    private Classifier() {
    }

    /** Writer kinds whose effect on a table may be a run of several versions (see the class comment). */
    public static final java.util.Set<String> MULTI_COMMIT_KINDS = java.util.Set.of("compaction");

    /** Longest own run accepted for {@link #MULTI_COMMIT_KINDS}: marker, ReserveFragments, Rewrite, one spare. */
    public static final int MAX_OWN_RUN = 4;

    /** Operations a compaction commits without transaction properties. */
    static final java.util.Set<String> UNLABELLED_MAINTENANCE = java.util.Set.of("ReserveFragments", "Rewrite", CommitInfo.UNREADABLE);

    /** How many versions after the pin {@link Recoverer#observe} must read for this sidecar (3 for writers). */
    public static int versionsToObserve(Sidecar sidecar) {
        return allowsRun(sidecar) ? MAX_OWN_RUN : 3; // own commit, a zombie's fenced-off commit, own Restore
    }

    private static boolean allowsRun(Sidecar sidecar) {
        return MULTI_COMMIT_KINDS.contains(sidecar.writerKind()) && sidecar.tables().size() == 1;
    }

    /** What the reconciler does with a sidecar. */
    public enum Action { FINISH, ABORT, ROLL_FORWARD, ROLL_BACK, DEFER }

    /** What one table shows. */
    public enum TableState { NO_MOVEMENT, OWN_COMMIT, RESTORED, FOREIGN, PIN_MOVED, HEAD_BEHIND_PIN, SUPERSEDED, FENCED_INTERLEAVED }

    /**
     * What was observed of one table (under its lease).
     *
     * @param tableKey the table
     * @param pin the latest manifest's pinned version
     * @param pinToken the latest manifest's fencing token for the table
     * @param head Lance HEAD
     * @param commits commit info of versions pin + 1 .. min(head, pin + {@link #versionsToObserve}), in
     *     order (missing entries mean Lance recorded no transaction)
     */
    public record TableObservation(String tableKey, long pin, long pinToken, long head, List<CommitInfo> commits) {
        public TableObservation {
            commits = List.copyOf(commits);
        }

        Optional<CommitInfo> at(long version) {
            return commits.stream().filter(c -> c.version() == version).findFirst();
        }
    }

    /**
     * One table's classification.
     *
     * @param tableKey the table
     * @param state its state
     * @param expected the sidecar's expected version
     * @param pin the manifest pin
     * @param head Lance HEAD
     * @param detail a human-readable explanation
     */
    public record TablePlan(String tableKey, TableState state, long expected, long pin, long head, String detail) {
    }

    /**
     * The decision.
     *
     * @param action what to do
     * @param reason one line for logs, status and audit
     * @param tables per-table classification (empty for FINISH)
     * @param publishedBy for FINISH: the manifest version that already published the operation
     */
    public record Decision(Action action, String reason, List<TablePlan> tables, Optional<Manifest> publishedBy) {
    }

    /**
     * Classifies a sidecar.
     *
     * @param sidecar the sidecar (re-read under its leases)
     * @param publishedBy the manifest version after the sidecar's base that carries its operation id, if any
     * @param observations one observation per sidecar table
     * @throws IllegalArgumentException if a sidecar table has no observation
     */
    public static Decision classify(Sidecar sidecar, Optional<Manifest> publishedBy, Map<String, TableObservation> observations) {
        if (publishedBy.isPresent()) {
            Manifest m = publishedBy.get();
            return new Decision(Action.FINISH, "already published in manifest v" + m.version() + " (" + m.kind() + ")", List.of(), publishedBy);
        }
        List<TablePlan> plans = new ArrayList<>();
        for (Sidecar.SidecarTable t : sidecar.tables()) {
            TableObservation o = observations.get(t.tableKey());
            if (o == null) {
                throw new IllegalArgumentException("no observation for table " + t.tableKey());
            }
            plans.add(classifyTable(sidecar.operationId(), t, o, allowsRun(sidecar)));
        }
        if (plans.stream().anyMatch(p -> p.state() == TableState.SUPERSEDED)
                && plans.stream().allMatch(p -> p.state() == TableState.SUPERSEDED || p.state() == TableState.NO_MOVEMENT)) {
            return new Decision(Action.ABORT, "superseded: the sidecar was written after its writer lost its leases and a later holder "
                    + "published " + plans.stream().filter(p -> p.state() == TableState.SUPERSEDED).map(TablePlan::tableKey).toList()
                    + "; nothing of the operation is visible", plans, Optional.empty());
        }
        long blocked = plans.stream().filter(p -> p.state() == TableState.FOREIGN || p.state() == TableState.PIN_MOVED
                || p.state() == TableState.HEAD_BEHIND_PIN || p.state() == TableState.SUPERSEDED).count();
        if (blocked > 0) {
            StringBuilder why = new StringBuilder("cannot decide safely:");
            plans.stream().filter(p -> p.state() != TableState.NO_MOVEMENT && p.state() != TableState.OWN_COMMIT
                    && p.state() != TableState.RESTORED).forEach(p -> why.append(' ').append(p.tableKey()).append(": ").append(p.detail()).append(';'));
            return new Decision(Action.DEFER, why.toString(), plans, Optional.empty());
        }
        if (plans.stream().allMatch(p -> p.state() == TableState.NO_MOVEMENT)) {
            return new Decision(Action.ABORT, "no table moved: the writer died before its first commit", plans, Optional.empty());
        }
        if (plans.stream().allMatch(p -> p.state() == TableState.OWN_COMMIT)) {
            return new Decision(Action.ROLL_FORWARD, "every table carries the operation's commit right after its pin", plans, Optional.empty());
        }
        if (plans.stream().anyMatch(p -> p.state() == TableState.OWN_COMMIT && p.head() > p.pin() + 1)) {
            return new Decision(Action.DEFER, "cannot decide safely: a multi-version own run can only roll forward, but not every table"
                    + " carries the operation's commits", plans, Optional.empty());
        }
        long moved = plans.stream().filter(p -> p.state() != TableState.NO_MOVEMENT).count();
        return new Decision(Action.ROLL_BACK, moved + " of " + plans.size() + " tables moved: restore them to their pins", plans, Optional.empty());
    }

    static TablePlan classifyTable(String operationId, Sidecar.SidecarTable t, TableObservation o) {
        return classifyTable(operationId, t, o, false);
    }

    static TablePlan classifyTable(String operationId, Sidecar.SidecarTable t, TableObservation o, boolean allowRun) {
        long pin = o.pin();
        long head = o.head();
        if (pin != t.expectedVersion()) {
            if (t.fencingToken() < o.pinToken() && (head == pin || driftNotRevertible(pin, o.pinToken(), head, o.commits()).isEmpty())) {
                return new TablePlan(t.tableKey(), TableState.SUPERSEDED, t.expectedVersion(), pin, head, "manifest pin moved from "
                        + t.expectedVersion() + " to " + pin + " under fencing token " + o.pinToken() + ", above the sidecar's "
                        + t.fencingToken() + (head == pin ? "; HEAD == pin" : "; versions after the pin are fenced-off commits"));
            }
            return new TablePlan(t.tableKey(), TableState.PIN_MOVED, t.expectedVersion(), pin, head,
                    "manifest pin moved from " + t.expectedVersion() + " to " + pin + " since the sidecar was written");
        }
        if (head < pin) {
            return new TablePlan(t.tableKey(), TableState.HEAD_BEHIND_PIN, t.expectedVersion(), pin, head,
                    "Lance HEAD " + head + " is behind the pin " + pin + " (invariant violation)");
        }
        if (head == pin) {
            return new TablePlan(t.tableKey(), TableState.NO_MOVEMENT, t.expectedVersion(), pin, head, "HEAD == pin");
        }
        Optional<CommitInfo> first = o.at(pin + 1);
        String own = ownership(operationId, t, o, first);
        Optional<TablePlan> interleaved = interleaved(operationId, t, o);
        if (interleaved.isPresent()) {
            return interleaved.get();
        }
        if (own != null) {
            return new TablePlan(t.tableKey(), TableState.FOREIGN, t.expectedVersion(), pin, head, own);
        }
        if (head == pin + 1) {
            return new TablePlan(t.tableKey(), TableState.OWN_COMMIT, t.expectedVersion(), pin, head, "own commit at " + head);
        }
        if (allowRun && head <= pin + MAX_OWN_RUN) {
            String notRun = ownRun(operationId, t, o);
            if (notRun == null) {
                return new TablePlan(t.tableKey(), TableState.OWN_COMMIT, t.expectedVersion(), pin, head,
                        "own run of " + (head - pin) + " versions " + (pin + 1) + ".." + head);
            }
            return new TablePlan(t.tableKey(), TableState.FOREIGN, t.expectedVersion(), pin, head, notRun);
        }
        Optional<CommitInfo> second = o.at(pin + 2);
        if (head == pin + 2 && second.isPresent() && isOwnRestore(operationId, second.get(), pin)) {
            return new TablePlan(t.tableKey(), TableState.RESTORED, t.expectedVersion(), pin, head,
                    "own commit at " + (pin + 1) + " already restored to " + pin + " at " + head);
        }
        return new TablePlan(t.tableKey(), TableState.FOREIGN, t.expectedVersion(), pin, head,
                "HEAD " + head + " is " + (head - pin) + " versions past the pin with commits after the operation's own");
    }

    /**
     * A zombie's fenced-off commit among this operation's versions: every version pin + 1 .. HEAD is
     * a writer commit with a token below the manifest's, or the operation's own writer commit (at
     * most one), or, as HEAD only, the operation's own Restore to the pin; at least one fenced-off.
     */
    private static Optional<TablePlan> interleaved(String operationId, Sidecar.SidecarTable t, TableObservation o) {
        long pin = o.pin();
        int fenced = 0;
        int own = 0;
        boolean restored = false;
        for (long v = pin + 1; v <= o.head(); v++) {
            Optional<CommitInfo> c = o.at(v);
            if (c.isEmpty()) {
                return Optional.empty();
            }
            CommitInfo ci = c.get();
            CommitLabel label = ci.label();
            long token = label.fencingToken();
            if (label.isWriterCommitOf(operationId, t.fencingToken()) && token >= o.pinToken()) {
                own++;
            } else if (label.isWriter() && token >= 0 && token < o.pinToken() && !operationId.equals(label.operationId())) {
                fenced++;
            } else if (v == o.head() && isOwnRestore(operationId, ci, pin)) {
                restored = true;
            } else {
                return Optional.empty();
            }
        }
        if (fenced == 0 || own > 1) {
            return Optional.empty();
        }
        String what = fenced + " fenced-off commit(s)" + (own == 1 ? " and the operation's own" : "") + " after the pin";
        return Optional.of(restored
                ? new TablePlan(t.tableKey(), TableState.RESTORED, t.expectedVersion(), pin, o.head(), what + ", already restored to "
                        + pin + " at " + o.head())
                : new TablePlan(t.tableKey(), TableState.FENCED_INTERLEAVED, t.expectedVersion(), pin, o.head(), what));
    }

    /** Null if versions pin + 2 .. head continue the operation's own run (pin + 1 is already known to be its own). */
    private static String ownRun(String operationId, Sidecar.SidecarTable t, TableObservation o) {
        for (long v = o.pin() + 2; v <= o.head(); v++) {
            Optional<CommitInfo> c = o.at(v);
            if (c.isEmpty()) {
                return "version " + v + " has no readable transaction";
            }
            CommitInfo ci = c.get();
            boolean own = ci.label().isWriterCommitOf(operationId, t.fencingToken());
            if (!own && !(ci.properties().isEmpty() && UNLABELLED_MAINTENANCE.contains(ci.operation()))) {
                return "version " + v + " is a foreign " + ci.operation() + " commit (operation "
                        + ci.label().operationId() + ") after the operation's own";
            }
        }
        return null;
    }

    /** Null if version pin + 1 is the operation's own writer commit; otherwise why not. */
    private static String ownership(String operationId, Sidecar.SidecarTable t, TableObservation o, Optional<CommitInfo> first) {
        if (first.isEmpty()) {
            return "version " + (o.pin() + 1) + " has no readable transaction";
        }
        CommitInfo c = first.get();
        CommitLabel label = c.label();
        if (!operationId.equals(label.operationId())) {
            return "version " + c.version() + " is a foreign " + c.operation() + " commit (operation "
                    + label.operationId() + ")";
        }
        if (!label.isWriter()) {
            return "version " + c.version() + " carries the operation id but role " + c.property(CommitProperties.ROLE);
        }
        long token = label.fencingToken();
        if (token != t.fencingToken()) {
            return "version " + c.version() + " carries fencing token " + token + ", the sidecar " + t.fencingToken();
        }
        if (token < o.pinToken()) {
            return "version " + c.version() + " carries fencing token " + token + " below the manifest's " + o.pinToken() + " (fenced off)";
        }
        return null;
    }

    /**
     * Whether drift on a table that no sidecar covers (HEAD past the pin) may be reverted: only when
     * every version after the pin carries a reconciler fencing token below the table's recorded
     * token, i.e. was committed by a lease holder that has since been fenced off (a zombie writer
     * that stalled past its lease), or is a reconciler's compensating Restore back to the pin (a repair
     * killed between its Restore and its publish left it; its content equals the pin's, so reverting
     * again is idempotent — found by the crash loop, seed 4246). Anything else is left alone and reported.
     *
     * @param pin the manifest pin
     * @param pinToken the manifest's recorded fencing token for the table
     * @param head Lance HEAD (> pin)
     * @param commits commit info of every version pin + 1 .. head
     * @return empty if the drift may be reverted, else why not
     */
    public static Optional<String> driftNotRevertible(long pin, long pinToken, long head, List<CommitInfo> commits) {
        if (head <= pin) {
            return Optional.of("HEAD " + head + " is not past the pin " + pin);
        }
        for (long v = pin + 1; v <= head; v++) {
            final long version = v;
            Optional<CommitInfo> c = commits.stream().filter(x -> x.version() == version).findFirst();
            if (c.isEmpty()) {
                return Optional.of("version " + v + " has no readable transaction");
            }
            if (isRestoreToPin(c.get(), pin)) {
                continue; // an earlier repair's compensating Restore (killed before its publish): its content is the pin's
            }
            long token = c.get().label().fencingToken();
            if (token < 0) {
                return Optional.of("version " + v + " (" + c.get().operation() + ") carries no fencing token: committed outside the protocol");
            }
            if (token >= pinToken) {
                return Optional.of("version " + v + " carries fencing token " + token + ", not below the manifest's " + pinToken
                        + ": it may belong to a live lease holder");
            }
        }
        return Optional.empty();
    }

    /** A reconciler's compensating Restore whose content is the pin's (role roll_back, restored_to = pin). */
    private static boolean isRestoreToPin(CommitInfo c, long pin) {
        return "Restore".equals(c.operation()) && c.label().isRollBackTo(pin);
    }

    private static boolean isOwnRestore(String operationId, CommitInfo c, long pin) {
        return isRestoreToPin(c, pin) && operationId.equals(c.label().operationId());
    }
}
