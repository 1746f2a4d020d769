package reconciler.maintenance;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a maintenance run did.
 *
 * @param summary one line for logs and the CLI
 * @param details kind-specific, JSON-serialisable values (strings, numbers, booleans, lists, maps, records)
 */
public record MaintenanceResult(String summary, Map<String, Object> details) {
    public MaintenanceResult {
        details = details == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }
}
