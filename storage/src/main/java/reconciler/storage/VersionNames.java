package reconciler.storage;

import java.io.IOException;
import java.util.List;
import java.util.OptionalLong;

/**
 * Lance HEAD from the names of a table's version manifests, without opening the dataset
 * ({@code lance-java-notes.md}: manifests live under {@code <table>.lance/_versions/}). Datasets this
 * project creates use Lance's V2 names, {@code <u64::MAX - version>.manifest} zero-padded to 20
 * digits, so the newest version sorts <em>first</em> and one short listing
 * ({@link GraphStore#listFirst}) finds it; V1 names ({@code <version>.manifest}) need the whole
 * listing. Other names (temporary files, detached versions) are ignored.
 */
public final class VersionNames {

    /** Names read by the first, short listing; a full listing follows only for V1 datasets. */
    static final int FIRST = 8;
    private static final String SUFFIX = ".manifest";

    private VersionNames() {
    }

    /** Where a table's version manifests live, as a store key. */
    public static String dir(GraphStore store, TableKey table) {
        return store.tableDir(table) + "/_versions";
    }

    /**
     * The latest version of a table.
     *
     * @throws IOException on a storage error
     * @throws IllegalArgumentException if the table has no version manifest ("Dataset ... not found")
     */
    public static long head(GraphStore store, TableKey table) throws IOException {
        List<String> first = store.listFirst(dir(store, table), FIRST);
        for (String n : first) {
            OptionalLong v = v2(n);
            if (v.isPresent()) {
                return v.getAsLong(); // V2 names sort newest first
            }
        }
        long best = -1;
        for (String n : first.size() < FIRST ? first : store.list(dir(store, table))) {
            OptionalLong v = v1(n);
            if (v.isPresent()) {
                best = Math.max(best, v.getAsLong());
            }
        }
        if (best < 0) {
            throw new IllegalArgumentException("Dataset at path " + store.tableUri(table) + " was not found: no version manifest under "
                    + dir(store, table));
        }
        return best;
    }

    /** The version a V2 name ({@code 20 digits = u64::MAX - version}) stands for. */
    static OptionalLong v2(String name) {
        if (name.length() != 20 + SUFFIX.length() || !name.endsWith(SUFFIX) || !digits(name, 20)) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(~Long.parseUnsignedLong(name.substring(0, 20)));
    }

    /** The version a V1 name ({@code <version>.manifest}, fewer than 20 digits) stands for. */
    static OptionalLong v1(String name) {
        int n = name.length() - SUFFIX.length();
        if (n < 1 || n >= 20 || !name.endsWith(SUFFIX) || !digits(name, n)) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Long.parseLong(name.substring(0, n)));
    }

    private static boolean digits(String s, int n) {
        for (int i = 0; i < n; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
