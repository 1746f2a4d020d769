package reconciler.graph;

import com.github.f4b6a3.ulid.UlidCreator;

/** Operation ids: monotonic ULIDs (26 Crockford base-32 characters), creation-ordered within a process. */
public final class OperationIds {
    private OperationIds() {
    }

    /** A new operation id. */
    public static String next() {
        return UlidCreator.getMonotonicUlid().toString();
    }
}
