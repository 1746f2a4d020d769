package reconciler.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A graph's maintenance state as the daemon sent it ({@link #raw()}: record it verbatim beside a
 * measurement), with accessors for what harnesses branch on. Fields: docs/maintenance.md.
 */
public record MaintenanceState(JsonNode raw) {

    public String graph() {
        return raw.path("graph").asText(null);
    }

    /** When the daemon observed it (ISO-8601). */
    public String observedAt() {
        return raw.path("observedAt").asText(null);
    }

    public long manifestVersion() {
        return raw.path("manifestVersion").asLong(-1);
    }

    /** Whether background maintenance has caught up. */
    public boolean caughtUp() {
        return raw.path("caughtUp").asBoolean(false);
    }

    /** Why not, one line each. */
    public List<String> notCaughtUp() {
        List<String> out = new ArrayList<>();
        raw.path("notCaughtUp").forEach(n -> out.add(n.asText()));
        return out;
    }

    public int pendingSidecars() {
        return raw.path("sidecars").path("pending").asInt();
    }

    /**
     * The index of {@code table} on {@code column} of the given Lance type family that a catalog
     * declares ({@code declared: true}), or null. {@code typePrefix} matches the start of the type
     * ({@code INVERTED}, {@code IVF}, {@code BTREE}, ...).
     */
    public JsonNode declaredIndex(String table, String column, String typePrefix) {
        for (JsonNode t : raw.path("tables")) {
            if (!t.path("table").asText().equals(table)) {
                continue;
            }
            for (JsonNode i : t.path("indexes")) {
                if (i.path("declared").asBoolean() && (column == null || column.equals(i.path("column").asText(null)))
                        && i.path("type").asText("").toUpperCase(java.util.Locale.ROOT).startsWith(typePrefix)) {
                    return i;
                }
            }
        }
        return null;
    }
}
