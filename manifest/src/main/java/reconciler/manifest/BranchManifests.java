package reconciler.manifest;

import java.io.IOException;
import java.util.SortedMap;
import reconciler.storage.Json;

/**
 * The manifest side of graph branches (docs/protocol.md "Branches"): version 1 of a branch's own
 * sequence, and main's branch list (the authority for "a branch exists"), published with the same
 * compare-and-swap as every manifest version.
 */
public final class BranchManifests {
    private BranchManifests() {
    }

    /**
     * Writes version 1 of a branch's sequence in the sequence {@code seq} (the branch's): the pins of the fork
     * point, kind {@link Manifest#KIND_BRANCH_CREATE}. Create-only; an existing version 1 with the same
     * branch name is returned as is (a retried create).
     *
     * @throws IllegalStateException if version 1 exists for another branch
     * @throws IOException on a storage error
     */
    public static Manifest initBranch(ManifestStore seq, String graphId, String branch, String operationId, SortedMap<String, TablePin> pins) throws IOException {
        Manifest m = new Manifest(3, graphId, 1, 0, operationId, Manifest.KIND_BRANCH_CREATE, java.time.Instant.now(), pins, branch, null, null);
        if (!seq.store().createIfAbsent(seq.keyOf(1), Json.MAPPER.writeValueAsBytes(m))) {
            Manifest there = seq.read(1).orElseThrow();
            if (!branch.equals(there.branch())) {
                throw new IllegalStateException(seq.keyOf(1) + " of " + seq.store().root() + " belongs to branch " + there.branch());
            }
            return there;
        }
        seq.seen(1);
        return m;
    }

    /**
     * Publishes a version of main whose branch list is {@code change} applied to the latest one (no pin
     * moves). Compare-and-swap with rebase: {@code change} is re-applied to the newest list on a lost race.
     *
     * @param change returns the new list and deleted-name set, or throws {@link ManifestConflictException} to refuse
     * @throws ManifestConflictException as {@code change} decides
     * @throws IOException on a storage error
     */
    public static Manifest publishBranches(ManifestStore main, String operationId, String kind, BranchChange change) throws IOException, ManifestConflictException {
        while (true) {
            Manifest cur = main.require();
            java.util.SortedMap<String, BranchRecord> branches = new java.util.TreeMap<>(cur.branches());
            java.util.SortedSet<String> deleted = new java.util.TreeSet<>(cur.deletedBranches());
            change.apply(cur, branches, deleted);
            Manifest next = Manifest.nextBranches(cur, operationId, kind, branches, deleted);
            if (main.createNext(next)) {
                return next;
            }
        }
    }

    /** A change of the main manifest's branch list ({@link #publishBranches}); mutates the two collections. */
    @FunctionalInterface
    public interface BranchChange {
        /** @throws ManifestConflictException to refuse the change against {@code latest} */
        void apply(Manifest latest, java.util.SortedMap<String, BranchRecord> branches, java.util.SortedSet<String> deleted)
                throws ManifestConflictException;
    }
}
