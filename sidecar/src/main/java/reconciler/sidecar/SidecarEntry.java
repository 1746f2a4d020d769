package reconciler.sidecar;

/** One object found under {@code _recovery/}: a valid sidecar or a refused one. */
public sealed interface SidecarEntry {

    /** The storage key. */
    String key();

    /** A sidecar that decoded and validated. */
    record Valid(String key, Sidecar sidecar) implements SidecarEntry {
    }

    /** A sidecar that was refused; it stays on disk. */
    record Corrupt(String key, String reason) implements SidecarEntry {
    }
}
