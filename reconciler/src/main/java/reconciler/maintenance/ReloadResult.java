package reconciler.maintenance;

import java.util.List;

/**
 * What a reload of the graph list changed.
 *
 * @param added graph roots added
 * @param removed graph roots removed
 * @param graphs the graph roots configured now
 */
public record ReloadResult(List<String> added, List<String> removed, List<String> graphs) {
}
