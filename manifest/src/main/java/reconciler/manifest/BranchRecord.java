package reconciler.manifest;

import java.time.Instant;
import java.util.regex.Pattern;

/**
 * One graph branch in the branch list of the main manifest ({@link Manifest#branches()}), the authority
 * for "this branch exists" (docs/protocol.md "Branches"). A branch has its own manifest sequence under
 * {@code _manifest/branches/<id>/}; its tables are forked lazily onto the Lance branch
 * {@link #lanceBranch(String)} of each table's dataset.
 *
 * @param id a ULID naming this incarnation of the branch (a deleted and recreated name gets a new one, so
 *     neither its manifest sequence nor its Lance branches are ever confused with an earlier one's)
 * @param parent the branch it was forked from ({@code main} or another listed branch)
 * @param parentVersion the parent's manifest version it was forked at (its version 1 copies that version's pins)
 * @param createdAt when it was created (informational)
 */
public record BranchRecord(String id, String parent, long parentVersion, Instant createdAt) {

    /** Branch names: a letter, then up to 63 letters, digits, {@code _} or {@code -}. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,63}");

    /** @throws IllegalArgumentException unless {@code name} is a valid branch name other than {@code main} */
    public static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches() || Manifest.MAIN_BRANCH.equals(name)) {
            throw new IllegalArgumentException("'" + name + "' is not a valid branch name (a letter, then up to 63 letters, digits,"
                    + " _ or -; not 'main')");
        }
        return name;
    }

    /** The Lance branch name of this incarnation of branch {@code name} on every table it forks: {@code <name>.<id>}. */
    public String lanceBranch(String name) {
        return name + "." + id;
    }

    /** The directory of this branch's manifest sequence. */
    public String manifestDir() {
        return ManifestStore.DIR + "/branches/" + id;
    }
}
