package reconciler.core;

import java.util.Objects;
import java.util.Optional;
import reconciler.manifest.Manifest;
import reconciler.manifest.TablePin;
import reconciler.sidecar.Sidecar;

/**
 * The decisions particular to branches (docs/protocol.md "Branches"), pure functions beside
 * {@link Classifier}: what to do with a first-touch fork's sidecar. (An orphaned-branch sidecar needs no
 * decision: its branch's absence from main's list is the whole of it, {@code SidecarStore.isOrphan}.)
 */
public final class BranchClassifier {
    private BranchClassifier() {
    }

    /**
     * What to do with the sidecar of a first-touch fork ({@code CommitWindow.FORK_KIND}) of one table.
     *
     * @param publishedBy the branch's manifest that published the operation, if any
     * @param pin the table's pin in the branch's latest manifest
     * @param ownLanceBranch the branch's Lance branch name
     * @param forkHead the fork's Lance HEAD, or empty if the table has no Lance branch of that name
     * @return {@link Classifier.Action#FINISH} if published; {@link Classifier.Action#ROLL_BACK} (delete the fork if
     *     present, publish the reconciler's token, no pin moves) if the pin is still the sidecar's, not on the fork,
     *     and the fork is absent or has no version past the pin (a fork pins nothing until published, so it is
     *     reclaimed rather than published: a crashed first touch leaves nothing); {@link Classifier.Action#DEFER} otherwise
     */
    public static Classifier.Decision classifyFork(Sidecar s, Optional<Manifest> publishedBy, TablePin pin, String ownLanceBranch,
                                                   Optional<Long> forkHead) {
        Sidecar.SidecarTable t = s.tables().get(0);
        if (publishedBy.isPresent()) {
            return decision(Classifier.Action.FINISH, "the fork was published in branch manifest v" + publishedBy.get().version(),
                    t, pin, Classifier.TableState.OWN_COMMIT, publishedBy);
        }
        if (s.tables().size() != 1) {
            return decision(Classifier.Action.DEFER, "a fork sidecar names one table, this one " + s.tables().size(), t, pin,
                    Classifier.TableState.FOREIGN, Optional.empty());
        }
        if (pin.version() != t.expectedVersion() || Objects.equals(pin.lanceBranch(), ownLanceBranch)) {
            return decision(Classifier.Action.DEFER, "the pin of " + t.tableKey() + " moved since the fork began (v" + t.expectedVersion()
                    + " -> v" + pin.version() + " on " + pin.lanceBranch() + ")", t, pin, Classifier.TableState.PIN_MOVED, Optional.empty());
        }
        if (forkHead.isPresent() && forkHead.get() != t.expectedVersion()) {
            return decision(Classifier.Action.DEFER, "Lance branch " + ownLanceBranch + " of " + t.tableKey() + " is at v" + forkHead.get()
                    + ", past the fork point v" + t.expectedVersion() + ", but was never published", t, pin, Classifier.TableState.FOREIGN,
                    Optional.empty());
        }
        return decision(Classifier.Action.ROLL_BACK, forkHead.isPresent() ? "the unpublished fork of " + t.tableKey() + " is reclaimed"
                : "the fork of " + t.tableKey() + " was not made (or already reclaimed)", t, pin,
                forkHead.isPresent() ? Classifier.TableState.OWN_COMMIT : Classifier.TableState.NO_MOVEMENT, Optional.empty());
    }

    private static Classifier.Decision decision(Classifier.Action a, String reason, Sidecar.SidecarTable t, TablePin pin,
                                                Classifier.TableState state, Optional<Manifest> publishedBy) {
        return new Classifier.Decision(a, reason, java.util.List.of(new Classifier.TablePlan(t.tableKey(), state, t.expectedVersion(),
                pin.version(), pin.version(), reason)), publishedBy);
    }
}
