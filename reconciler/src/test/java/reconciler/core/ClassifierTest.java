package reconciler.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reconciler.core.Classifier.Action;
import reconciler.core.Classifier.Decision;
import reconciler.core.Classifier.TableObservation;
import reconciler.core.Classifier.TableState;
import reconciler.manifest.Manifest;
import reconciler.manifest.TablePin;
import reconciler.sidecar.Sidecar;
import reconciler.storage.ColumnSpec;
import reconciler.storage.CommitInfo;
import reconciler.storage.CommitProperties;

/** The classification table (docs/protocol.md, "Classification"), one test per case. */
class ClassifierTest {

    static final String OP = "01JABCDEFGHJKMNPQRSTVWXYZ0";
    static final String OTHER_OP = "01JZZZZZZZZZZZZZZZZZZZZZZZ";
    static final String PKG = "node:Package";
    static final String DEP = "edge:DependsOn";
    static final long TOKEN = 5;

    /** A sidecar touching PKG (expected 10) and DEP (expected 20), both with token {@link #TOKEN}. */
    static Sidecar sidecar() {
        return new Sidecar(Sidecar.FORMAT_VERSION, OP, "write", "graph-1", "main", 3,
                new Sidecar.WriterIdentity("host-a", 99), Instant.EPOCH,
                List.of(new Sidecar.SidecarTable(PKG, 10, TOKEN), new Sidecar.SidecarTable(DEP, 20, TOKEN)));
    }

    static CommitInfo commit(long version, String operation, Map<String, String> props) {
        return new CommitInfo(version, operation, version - 1, props);
    }

    /** This operation's writer commit at {@code version} with the sidecar's token. */
    static CommitInfo own(long version) {
        return commit(version, "Append", CommitProperties.of(OP, TOKEN, CommitProperties.ROLE_WRITER));
    }

    /** This operation's compensating Restore at {@code version} back to {@code pin}. */
    static CommitInfo ownRestore(long version, long pin) {
        Map<String, String> p = new HashMap<>(CommitProperties.of(OP, TOKEN + 1, CommitProperties.ROLE_ROLL_BACK));
        p.put(CommitProperties.RESTORED_TO, Long.toString(pin));
        return commit(version, "Restore", p);
    }

    static TableObservation obs(String table, long pin, long head, CommitInfo... commits) {
        return new TableObservation(table, pin, TOKEN, head, List.of(commits));
    }

    /** PKG pinned at 10, DEP pinned at 20 (as the sidecar expects). */
    static TableObservation pkg(long head, CommitInfo... commits) {
        return obs(PKG, 10, head, commits);
    }

    static TableObservation dep(long head, CommitInfo... commits) {
        return obs(DEP, 20, head, commits);
    }

    static Decision classify(TableObservation... observations) {
        Map<String, TableObservation> m = new LinkedHashMap<>();
        for (TableObservation o : observations) {
            m.put(o.tableKey(), o);
        }
        return Classifier.classify(sidecar(), Optional.empty(), m);
    }

    static Map<String, TableState> states(Decision d) {
        Map<String, TableState> m = new TreeMap<>();
        d.tables().forEach(p -> m.put(p.tableKey(), p.state()));
        return m;
    }

    static void assertDefer(Decision d, String blockedTable, TableState blockedState) {
        assertEquals(Action.DEFER, d.action(), d.reason());
        assertEquals(blockedState, states(d).get(blockedTable), d.reason());
        assertTrue(d.reason().contains(blockedTable), "the reason names the blocking table: " + d.reason());
    }

    @Test
    void finishWhenAlreadyPublished() {
        TreeMap<String, TablePin> pins = new TreeMap<>();
        pins.put(PKG, new TablePin(11, TOKEN, List.of(new ColumnSpec("name", "utf8"))));
        pins.put(DEP, new TablePin(21, TOKEN, List.of(new ColumnSpec("name", "utf8"))));
        Manifest published = new Manifest(1, "graph-1", 4, 3, OP, Manifest.KIND_WRITE, Instant.EPOCH, pins);

        // Observations are irrelevant (even contradictory ones): the manifest already carries the operation.
        Decision d = Classifier.classify(sidecar(), Optional.of(published), Map.of(PKG, pkg(9)));

        assertEquals(Action.FINISH, d.action());
        assertEquals(List.of(), d.tables());
        assertEquals(Optional.of(published), d.publishedBy());
        assertTrue(d.reason().contains("v4"), d.reason());
    }

    @Test
    void abortWhenNoTableMoved() {
        Decision d = classify(pkg(10), dep(20));
        assertEquals(Action.ABORT, d.action(), d.reason());
        assertEquals(Map.of(PKG, TableState.NO_MOVEMENT, DEP, TableState.NO_MOVEMENT), states(d));
        assertEquals(Optional.empty(), d.publishedBy());
    }

    @Test
    void rollForwardWhenEveryTableHasTheOwnCommitRightAfterItsPin() {
        Decision d = classify(pkg(11, own(11)), dep(21, own(21)));
        assertEquals(Action.ROLL_FORWARD, d.action(), d.reason());
        assertEquals(Map.of(PKG, TableState.OWN_COMMIT, DEP, TableState.OWN_COMMIT), states(d));
        d.tables().forEach(p -> assertEquals(p.pin() + 1, p.head()));
    }

    @Test
    void rollBackOnAMixOfNoMovementAndOwnCommit() {
        Decision d = classify(pkg(11, own(11)), dep(20));
        assertEquals(Action.ROLL_BACK, d.action(), d.reason());
        assertEquals(Map.of(PKG, TableState.OWN_COMMIT, DEP, TableState.NO_MOVEMENT), states(d));
    }

    @Test
    void rollBackWhenOneTableIsAlreadyRestoredAndAnotherHasTheOwnCommit() {
        Decision d = classify(pkg(12, own(11), ownRestore(12, 10)), dep(21, own(21)));
        assertEquals(Action.ROLL_BACK, d.action(), d.reason());
        assertEquals(Map.of(PKG, TableState.RESTORED, DEP, TableState.OWN_COMMIT), states(d));
    }

    @Test
    void rollBackWhenEveryMovedTableIsAlreadyRestored() {
        Decision d = classify(pkg(12, own(11), ownRestore(12, 10)), dep(20));
        assertEquals(Action.ROLL_BACK, d.action(), d.reason());
        assertEquals(Map.of(PKG, TableState.RESTORED, DEP, TableState.NO_MOVEMENT), states(d));
    }

    @Test
    void deferOnAForeignCommitAtPinPlusOne() {
        CommitInfo foreign = commit(11, "Append", CommitProperties.of(OTHER_OP, TOKEN, CommitProperties.ROLE_WRITER));
        assertDefer(classify(pkg(11, foreign), dep(20)), PKG, TableState.FOREIGN);
    }

    @Test
    void deferOnACommitWithoutProtocolPropertiesAtPinPlusOne() {
        assertDefer(classify(pkg(11, commit(11, "Append", Map.of())), dep(20)), PKG, TableState.FOREIGN);
    }

    @Test
    void deferWhenTheOwnCommitIsFollowedByAForeignOne() {
        CommitInfo foreign = commit(12, "Append", CommitProperties.of(OTHER_OP, TOKEN + 1, CommitProperties.ROLE_WRITER));
        assertDefer(classify(pkg(12, own(11), foreign), dep(21, own(21))), PKG, TableState.FOREIGN);
    }

    @Test
    void deferWhenTheOwnCommitIsFollowedByAForeignRestore() {
        Map<String, String> p = new HashMap<>(CommitProperties.of(OTHER_OP, TOKEN, CommitProperties.ROLE_ROLL_BACK));
        p.put(CommitProperties.RESTORED_TO, "10");
        assertDefer(classify(pkg(12, own(11), commit(12, "Restore", p)), dep(21, own(21))), PKG, TableState.FOREIGN);
    }

    @Test
    void deferWhenTheOwnRestoreRestoredToTheWrongVersion() {
        assertDefer(classify(pkg(12, own(11), ownRestore(12, 9)), dep(21, own(21))), PKG, TableState.FOREIGN);
    }

    @Test
    void deferWhenTheHeadIsMoreThanTwoPastThePin() {
        Decision d = classify(pkg(13, own(11), ownRestore(12, 10)), dep(21, own(21)));
        assertDefer(d, PKG, TableState.FOREIGN);
    }

    @Test
    void deferWhenThePinMovedSinceTheSidecarWasWritten() {
        // the manifest pins PKG at 11, the sidecar expected 10
        assertDefer(classify(obs(PKG, 11, 11), dep(20)), PKG, TableState.PIN_MOVED);
        assertDefer(classify(obs(PKG, 11, 12, own(12)), dep(21, own(21))), PKG, TableState.PIN_MOVED);
    }

    @Test
    void abortWhenThePinMovedUnderAHigherTokenAndNothingLanded() {
        // chaos loop, seed 20261203 round 17: the writer stalled between its last lease check and its sidecar
        // write past its session; another writer published PKG under a higher token; then the stale sidecar appeared
        TableObservation superseded = new TableObservation(PKG, 11, TOKEN + 1, 11, List.of());
        Decision d = classify(superseded, dep(20));
        assertEquals(Action.ABORT, d.action(), d.reason());
        assertEquals(TableState.SUPERSEDED, states(d).get(PKG));
        assertEquals(TableState.NO_MOVEMENT, states(d).get(DEP));
        assertTrue(d.reason().contains("superseded") && d.reason().contains(PKG), d.reason());
    }

    @Test
    void abortWhenThePinMovedUnderAHigherTokenAndOnlyFencedOffCommitsFollow() {
        // the zombie's own late commit landed past the new pin with its stale token: uncovered drift once aborted
        TableObservation superseded = new TableObservation(PKG, 11, TOKEN + 1, 12, List.of(own(12)));
        Decision d = classify(superseded, dep(20));
        assertEquals(Action.ABORT, d.action(), d.reason());
        assertEquals(TableState.SUPERSEDED, states(d).get(PKG));
    }

    @Test
    void deferWhenThePinMovedUnderAHigherTokenButALiveHoldersCommitFollows() {
        CommitInfo live = commit(12, "Append", CommitProperties.of(OTHER_OP, TOKEN + 1, CommitProperties.ROLE_WRITER));
        assertDefer(classify(new TableObservation(PKG, 11, TOKEN + 1, 12, List.of(live)), dep(20)), PKG, TableState.PIN_MOVED);
    }

    @Test
    void deferWhenASupersededTableMeetsAnOwnCommit() {
        // never split a sidecar: a superseded table beside a table with the operation's commit is not an abort
        Decision d = classify(new TableObservation(PKG, 11, TOKEN + 1, 11, List.of()), dep(21, own(21)));
        assertDefer(d, PKG, TableState.SUPERSEDED);
    }

    /** A zombie's late commit at {@code version}: another operation's writer commit with a token below the manifest's. */
    static CommitInfo zombie(long version) {
        return commit(version, "Append", CommitProperties.of(OTHER_OP, TOKEN - 1, CommitProperties.ROLE_WRITER));
    }

    @Test
    void rollBackWhenAZombiesFencedOffCommitLandedBeforeTheOwnCommit() {
        // chaos loop, seed 4244 round 66: a zombie writer resumed after its sidecar was aborted and committed at
        // pin + 1 of tables a live writer had just covered; the live writer's commit was rebased to pin + 2
        Decision d = classify(pkg(12, zombie(11), own(12)), obs(DEP, 20, 21, zombie(21)));
        assertEquals(Action.ROLL_BACK, d.action(), d.reason());
        assertEquals(TableState.FENCED_INTERLEAVED, states(d).get(PKG));
        assertEquals(TableState.FENCED_INTERLEAVED, states(d).get(DEP));
    }

    @Test
    void rollBackWhenAZombiesFencedOffCommitFollowsTheOwnCommit() {
        Decision d = classify(pkg(12, own(11), zombie(12)), dep(20));
        assertEquals(Action.ROLL_BACK, d.action(), d.reason());
        assertEquals(TableState.FENCED_INTERLEAVED, states(d).get(PKG));
    }

    @Test
    void anInterruptedRollBackOfAnInterleavedTableIsRecognisedAsRestored() {
        Decision d = classify(pkg(13, zombie(11), own(12), ownRestore(13, 10)), dep(20));
        assertEquals(Action.ROLL_BACK, d.action(), d.reason());
        assertEquals(TableState.RESTORED, states(d).get(PKG));
    }

    @Test
    void deferWhenTheInterleavedCommitIsNotFencedOff() {
        CommitInfo live = commit(11, "Append", CommitProperties.of(OTHER_OP, TOKEN, CommitProperties.ROLE_WRITER));
        assertDefer(classify(pkg(12, live, own(12)), dep(20)), PKG, TableState.FOREIGN);
        assertDefer(classify(pkg(13, zombie(11), own(12), own(13)), dep(20)), PKG, TableState.FOREIGN);
    }

    @Test
    void deferWhenHeadIsBehindThePin() {
        assertDefer(classify(pkg(9), dep(20)), PKG, TableState.HEAD_BEHIND_PIN);
    }

    @Test
    void deferWhenTheOwnOperationIdCarriesAFencingTokenOtherThanTheSidecars() {
        CommitInfo otherToken = commit(11, "Append", CommitProperties.of(OP, TOKEN + 1, CommitProperties.ROLE_WRITER));
        assertDefer(classify(pkg(11, otherToken), dep(21, own(21))), PKG, TableState.FOREIGN);
        CommitInfo noToken = commit(11, "Append", Map.of(CommitProperties.OPERATION_ID, OP, CommitProperties.ROLE, CommitProperties.ROLE_WRITER));
        assertDefer(classify(pkg(11, noToken), dep(21, own(21))), PKG, TableState.FOREIGN);
    }

    @Test
    void deferWhenTheOwnCommitsTokenIsBelowTheManifestsRecordedToken() {
        // commit token == sidecar token == 5, but the manifest records 6 for the table: fenced off
        TableObservation fenced = new TableObservation(PKG, 10, TOKEN + 1, 11, List.of(own(11)));
        Decision d = classify(fenced, dep(21, own(21)));
        assertDefer(d, PKG, TableState.FOREIGN);
        assertTrue(d.reason().contains("fenced off"), d.reason());
    }

    @Test
    void deferWhenACommitWithRoleRollBackIsAtPinPlusOne() {
        assertDefer(classify(pkg(11, ownRestore(11, 10)), dep(20)), PKG, TableState.FOREIGN);
    }

    @Test
    void deferWhenCommitInfoAtPinPlusOneIsMissing() {
        Decision d = classify(pkg(11), dep(21, own(21)));
        assertDefer(d, PKG, TableState.FOREIGN);
        assertTrue(d.reason().contains("no readable transaction"), d.reason());
    }

    @Test
    void deferWhenTheCommitAtPinPlusOneIsUnreadable() {
        CommitInfo unreadable = new CommitInfo(11, CommitInfo.UNREADABLE, 0, Map.of());
        assertDefer(classify(pkg(11, unreadable), dep(21, own(21))), PKG, TableState.FOREIGN);
    }

    @Test
    void deferWinsOverAnOtherwiseRollForwardableMix() {
        // DEP alone would roll forward; PKG's foreign commit blocks the whole sidecar (all or nothing)
        CommitInfo foreign = commit(11, "Append", CommitProperties.of(OTHER_OP, TOKEN, CommitProperties.ROLE_WRITER));
        Sidecar three = new Sidecar(Sidecar.FORMAT_VERSION, OP, "write", "graph-1", "main", 3,
                new Sidecar.WriterIdentity("host-a", 99), Instant.EPOCH,
                List.of(new Sidecar.SidecarTable(PKG, 10, TOKEN), new Sidecar.SidecarTable(DEP, 20, TOKEN),
                        new Sidecar.SidecarTable("node:Version", 30, TOKEN)));
        Decision d = Classifier.classify(three, Optional.empty(), Map.of(
                PKG, pkg(11, foreign),
                DEP, dep(21, own(21)),
                "node:Version", obs("node:Version", 30, 31, own(31))));
        assertDefer(d, PKG, TableState.FOREIGN);
        assertEquals(TableState.OWN_COMMIT, states(d).get(DEP));
        assertEquals(TableState.OWN_COMMIT, states(d).get("node:Version"));
        assertTrue(!d.reason().contains(DEP), "only blocking tables are named: " + d.reason());
    }

    @Test
    void deferWinsOverAnOtherwiseRollBackableMix() {
        Decision d = classify(pkg(12, own(11), ownRestore(12, 10)), dep(19));
        assertDefer(d, DEP, TableState.HEAD_BEHIND_PIN);
        assertEquals(TableState.RESTORED, states(d).get(PKG));
    }

    @Test
    void tablePlansCarryExpectedPinAndHead() {
        Decision d = classify(pkg(11, own(11)), dep(20));
        Classifier.TablePlan p = d.tables().stream().filter(t -> t.tableKey().equals(PKG)).findFirst().orElseThrow();
        assertEquals(10, p.expected());
        assertEquals(10, p.pin());
        assertEquals(11, p.head());
        assertEquals(List.of(PKG, DEP), d.tables().stream().map(Classifier.TablePlan::tableKey).toList(), "sidecar order");
    }

    @Test
    void aMissingObservationIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> classify(pkg(10)));
        assertTrue(e.getMessage().contains(DEP), e.getMessage());
    }

    // --- uncovered drift: revert only provably fenced-off commits ---

    static CommitInfo zombie(long version, long token) {
        return commit(version, "Append", CommitProperties.of("01ZOMBIE0000000000000000000", token, CommitProperties.ROLE_WRITER));
    }

    @Test
    void driftOfCommitsWithTokensBelowTheRecordedTokenIsRevertible() {
        assertEquals(java.util.Optional.empty(), Classifier.driftNotRevertible(5, 9, 7, java.util.List.of(zombie(6, 3), zombie(7, 8))));
    }

    static Stream<Arguments> driftLeftAlone() {
        return Stream.of(
                Arguments.of("a token not below the recorded token", 6L, List.of(zombie(6, 9)), "live lease holder"),
                Arguments.of("no fencing token", 6L, List.of(commit(6, "Append", Map.of())), "outside the protocol"),
                Arguments.of("an unreadable version", 7L, List.of(zombie(6, 1)), "version 7"));
    }

    @ParameterizedTest(name = "drift with {0} is left alone")
    @MethodSource("driftLeftAlone")
    void driftThatIsNotProvablyFencedOffIsLeftAlone(String what, long head, List<CommitInfo> commits, String reason) {
        var why = Classifier.driftNotRevertible(5, 9, head, commits);
        assertTrue(why.isPresent() && why.get().contains(reason), why.toString());
    }

    @Test
    void noDriftIsNotRevertible() {
        assertTrue(Classifier.driftNotRevertible(5, 9, 5, java.util.List.of()).isPresent());
    }

    /** A drift repair killed between its Restore (carrying the repairer's high token) and its publish: the next repair may go on. */
    @Test
    void driftEndingInAnEarlierRepairsRestoreToThePinIsRevertible() {
        Map<String, String> restore = new java.util.HashMap<>(CommitProperties.of("01REPAIR000000000000000000", 12, CommitProperties.ROLE_ROLL_BACK));
        restore.put(CommitProperties.RESTORED_TO, "5");
        assertEquals(java.util.Optional.empty(), Classifier.driftNotRevertible(5, 9, 7, java.util.List.of(zombie(6, 3), commit(7, "Restore", restore))));
        restore.put(CommitProperties.RESTORED_TO, "6");
        var why = Classifier.driftNotRevertible(5, 9, 7, java.util.List.of(zombie(6, 3), commit(7, "Restore", restore)));
        assertTrue(why.isPresent() && why.get().contains("version 7"), "a Restore to another version is not the pin's content: " + why);
    }
}
