package reconciler.manifest;

import java.io.IOException;

/**
 * A root that holds no manifest: nothing was ever initialised there (a typo in a path, or a graph
 * not created yet with {@code reconciler graph init}). The CLI exits 2 (usage) on it, not 4: the
 * argument names no graph, the storage did not fail.
 */
public class NotAGraphRootException extends IOException {

    public NotAGraphRootException(String message) {
        super(message);
    }
}
