package reconciler.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import reconciler.core.Classifier.Action;
import reconciler.core.Classifier.Decision;
import reconciler.core.Classifier.TableObservation;
import reconciler.core.Classifier.TableState;
import reconciler.sidecar.Sidecar;
import reconciler.storage.CommitInfo;
import reconciler.storage.CommitProperties;

/**
 * The multi-version extension of the classifier (docs/indexes.md, "Compaction"): a single-table
 * sidecar of writer kind {@code compaction} owns a run pin + 1 .. HEAD that starts with its own
 * labelled marker and continues with unlabelled ReserveFragments / Rewrite (or undecodable)
 * versions; every other writer kind keeps the single-commit rule.
 */
class ClassifierRunTest {

    static final String OP = ClassifierTest.OP;
    static final String OTHER_OP = ClassifierTest.OTHER_OP;
    static final String PKG = ClassifierTest.PKG;
    static final long TOKEN = ClassifierTest.TOKEN;

    static Sidecar sidecar(String kind, List<Sidecar.SidecarTable> tables) {
        return new Sidecar(Sidecar.FORMAT_VERSION, OP, kind, "graph-1", "main", 3, new Sidecar.WriterIdentity("h", 1), Instant.EPOCH, tables);
    }

    static Sidecar compaction() {
        return sidecar("compaction", List.of(new Sidecar.SidecarTable(PKG, 10, TOKEN)));
    }

    static CommitInfo marker(long v) {
        return new CommitInfo(v, "UpdateConfig", v - 1, CommitProperties.of(OP, TOKEN, CommitProperties.ROLE_WRITER));
    }

    static CommitInfo unlabelled(long v, String op) {
        return new CommitInfo(v, op, v - 1, Map.of());
    }

    static Decision classify(Sidecar s, TableObservation... obs) {
        Map<String, TableObservation> m = new LinkedHashMap<>();
        for (TableObservation o : obs) {
            m.put(o.tableKey(), o);
        }
        return Classifier.classify(s, Optional.empty(), m);
    }

    /** Classifies the single-table compaction sidecar against {@code pkg}, asserts the action (the reason as the message), returns the decision. */
    static Decision assertCompaction(Action expected, TableObservation pkg) {
        Decision d = classify(compaction(), pkg);
        assertEquals(expected, d.action(), d.reason());
        return d;
    }

    static TableObservation pkg(long head, CommitInfo... commits) {
        return new TableObservation(PKG, 10, TOKEN, head, List.of(commits));
    }

    @Test
    void compactionRunOfMarkerReserveRewriteRollsForward() {
        Decision d = assertCompaction(Action.ROLL_FORWARD, pkg(13, marker(11), unlabelled(12, "ReserveFragments"), unlabelled(13, "Rewrite")));
        assertEquals(TableState.OWN_COMMIT, d.tables().get(0).state());
        assertEquals(13, d.tables().get(0).head());
    }

    @Test
    void rewriteThatLanceCannotDecodeStillBelongsToTheRun() {
        assertCompaction(Action.ROLL_FORWARD, pkg(13, marker(11), unlabelled(12, "ReserveFragments"), unlabelled(13, CommitInfo.UNREADABLE)));
    }

    @Test
    void crashAfterReserveFragmentsRollsTheContentPreservingPrefixForward() {
        assertCompaction(Action.ROLL_FORWARD, pkg(12, marker(11), unlabelled(12, "ReserveFragments")));
    }

    @Test
    void markerAloneIsAnOwnCommit() {
        assertCompaction(Action.ROLL_FORWARD, pkg(11, marker(11)));
    }

    @Test
    void runWithoutTheOwnMarkerIsForeign() {
        Decision d = assertCompaction(Action.DEFER, pkg(12, unlabelled(11, "ReserveFragments"), unlabelled(12, "Rewrite")));
        assertEquals(TableState.FOREIGN, d.tables().get(0).state());
    }

    @Test
    void labelledForeignCommitInsideTheRunIsForeign() {
        CommitInfo foreign = new CommitInfo(12, "Append", 11, CommitProperties.of(OTHER_OP, TOKEN + 1, CommitProperties.ROLE_WRITER));
        Decision d = assertCompaction(Action.DEFER, pkg(13, marker(11), foreign, unlabelled(13, "Rewrite")));
        assertTrue(d.reason().contains("foreign Append"), d.reason());
    }

    @Test
    void unlabelledContentChangingOperationInsideTheRunIsForeign() {
        assertCompaction(Action.DEFER, pkg(12, marker(11), unlabelled(12, "Delete")));
    }

    @Test
    void runLongerThanTheLimitIsForeign() {
        Decision d = assertCompaction(Action.DEFER, pkg(15, marker(11), unlabelled(12, "ReserveFragments"), unlabelled(13, "Rewrite"),
                unlabelled(14, "ReserveFragments")));
        assertEquals(TableState.FOREIGN, d.tables().get(0).state());
    }

    @Test
    void fencedOffMarkerIsForeign() {
        TableObservation o = new TableObservation(PKG, 10, TOKEN + 1, 13, List.of(marker(11), unlabelled(12, "ReserveFragments"),
                unlabelled(13, "Rewrite")));
        Decision d = assertCompaction(Action.DEFER, o);
        assertTrue(d.reason().contains("fenced off"), d.reason());
    }

    @Test
    void writerKindsKeepTheSingleCommitRule() {
        Sidecar writer = sidecar("import", List.of(new Sidecar.SidecarTable(PKG, 10, TOKEN)));
        Decision d = classify(writer, pkg(13, marker(11), unlabelled(12, "ReserveFragments"), unlabelled(13, "Rewrite")));
        assertEquals(Action.DEFER, d.action(), d.reason());
        assertEquals(TableState.FOREIGN, d.tables().get(0).state());
        assertEquals(3, Classifier.versionsToObserve(writer)); // own commit, a zombie's fenced-off commit, own Restore
        assertEquals(Classifier.MAX_OWN_RUN, Classifier.versionsToObserve(compaction()));
    }

    @Test
    void indexBuildIsAnOrdinarySingleCommit() {
        Sidecar build = sidecar("index-build", List.of(new Sidecar.SidecarTable(PKG, 10, TOKEN)));
        CommitInfo createIndex = new CommitInfo(11, "CreateIndex", 9, CommitProperties.of(OP, TOKEN, CommitProperties.ROLE_WRITER));
        assertEquals(Action.ROLL_FORWARD, classify(build, pkg(11, createIndex)).action());
        assertEquals(Action.ABORT, classify(build, pkg(10)).action());
        assertEquals(Action.DEFER, classify(build, pkg(12, createIndex, unlabelled(12, "Rewrite"))).action());
    }

    @Test
    void multiTableCompactionSidecarsGetNoRunRule() {
        Sidecar two = sidecar("compaction", List.of(new Sidecar.SidecarTable(PKG, 10, TOKEN), new Sidecar.SidecarTable("edge:DependsOn", 20, TOKEN)));
        TableObservation dep = new TableObservation("edge:DependsOn", 20, TOKEN, 20, List.of());
        Decision d = classify(two, pkg(13, marker(11), unlabelled(12, "ReserveFragments"), unlabelled(13, "Rewrite")), dep);
        assertEquals(Action.DEFER, d.action(), d.reason());
        assertEquals(3, Classifier.versionsToObserve(two));
    }
}
