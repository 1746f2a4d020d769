package reconciler.manifest;

import java.io.IOException;

/** A manifest object exists but cannot be decoded, or its content contradicts its key. */
public class ManifestCorruptException extends IOException {
    public ManifestCorruptException(String message, Throwable cause) {
        super(message, cause);
    }
}
