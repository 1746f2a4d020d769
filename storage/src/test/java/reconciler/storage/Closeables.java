package reconciler.storage;

/** Closing what a test opened, in order, whatever of it was opened. */
public final class Closeables {

    private Closeables() {
    }

    /**
     * Closes each non-null resource in the order given, all of them even if one fails; the first
     * failure is thrown at the end with the later ones suppressed.
     */
    public static void closeAll(AutoCloseable... resources) throws Exception {
        Exception first = null;
        for (AutoCloseable c : resources) {
            if (c == null) {
                continue;
            }
            try {
                c.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
