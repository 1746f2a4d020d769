package reconciler.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/** Synthetic table rows for tests, as {@link ArrowRows} takes them. */
public final class TestRows {

    private TestRows() {
    }

    /** The rows for {@code i = from .. from + n - 1}, each made by {@code row}. */
    public static List<Map<String, Object>> range(int from, int n, IntFunction<Map<String, Object>> row) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            rows.add(row.apply(i));
        }
        return rows;
    }
}
