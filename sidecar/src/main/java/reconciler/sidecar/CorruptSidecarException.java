package reconciler.sidecar;

import java.io.IOException;

/**
 * A sidecar file that cannot be used: unparseable, missing fields, inconsistent, or of an unknown
 * format version. Such files are never deleted automatically: they are reported and kept.
 */
public class CorruptSidecarException extends IOException {
    private final String key;

    public CorruptSidecarException(String key, String reason, Throwable cause) {
        super("refusing sidecar " + key + ": " + reason + " (file kept on disk; inspect and remove it by hand)", cause);
        this.key = key;
    }

    /** The storage key of the refused sidecar. */
    public String key() {
        return key;
    }
}
