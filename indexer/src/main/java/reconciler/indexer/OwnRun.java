package reconciler.indexer;

import java.util.Optional;
import java.util.Set;
import reconciler.storage.CommitInfo;
import reconciler.storage.CommitLabel;
import reconciler.storage.TableKey;
import reconciler.graph.Graph;

/**
 * The multi-version effect of a compaction (docs/indexes.md, "Compaction"): lance-java's
 * {@code Compaction.commitCompaction} commits two versions, {@code ReserveFragments} then
 * {@code Rewrite}, and cannot attach transaction properties (and 7.0.0 cannot even decode a
 * {@code Rewrite} that remapped indexes). So the indexer first commits a labelled marker (an
 * {@code UpdateConfig} with the operation id, fencing token and role {@code writer}) at pin + 1,
 * and the run pin + 1 .. HEAD is its own when the marker is and every later version is either
 * labelled with the same operation or an unlabelled {@code ReserveFragments}, {@code Rewrite} or
 * undecodable version. The same rule is the classifier's for sidecars of writer kind
 * {@code compaction} ({@code reconciler.core.Classifier}).
 */
final class OwnRun {
    private OwnRun() {
    }

    /** Longest own run accepted: marker, ReserveFragments, Rewrite, and one spare. */
    static final int MAX_RUN = 4;

    /** Operations a compaction commits without properties. */
    static final Set<String> UNLABELLED_MAINTENANCE = Set.of("ReserveFragments", "Rewrite", CommitInfo.UNREADABLE);

    /** Null if versions pin + 1 .. head are this operation's compaction run, else why not. */
    static String check(Graph graph, TableKey table, String operationId, long token, long pin, long head) {
        if (head < pin + 2) {
            return "HEAD " + head + " is not past the marker at " + (pin + 1) + ": nothing compacted";
        }
        if (head > pin + MAX_RUN) {
            return "HEAD " + head + " is more than " + MAX_RUN + " versions past the pin " + pin;
        }
        for (long v = pin + 1; v <= head; v++) {
            Optional<CommitInfo> c = graph.tables().commitInfo(table, v);
            if (c.isEmpty()) {
                return "version " + v + " has no transaction";
            }
            CommitInfo ci = c.get();
            boolean own = ci.label().isWriterCommitOf(operationId, token);
            if (v == pin + 1 && !own) {
                return "version " + v + " (" + ci.operation() + ") is not this operation's marker";
            }
            if (!own && !(ci.properties().isEmpty() && UNLABELLED_MAINTENANCE.contains(ci.operation()))) {
                return "version " + v + " is a foreign " + ci.operation() + " commit";
            }
        }
        return null;
    }
}
