package reconciler.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code run_maintenance(kind)} for a kind the daemon does not advertise (MemPalace RFC 001 §7.3:
 * {@code UnsupportedMaintenanceKindError}). Harnesses call only {@link ReconcilerClient#maintenanceKinds()}.
 */
public final class UnsupportedMaintenanceKindException extends ReconcilerApiException {

    private final String kind;
    private final List<String> advertised;

    UnsupportedMaintenanceKindException(int status, String message, JsonNode body) {
        super(status, "UnsupportedMaintenanceKind", message, body);
        JsonNode e = body.path("error");
        this.kind = e.path("kind").asText(null);
        List<String> a = new ArrayList<>();
        e.path("advertised").forEach(n -> a.add(n.asText()));
        this.advertised = List.copyOf(a);
    }

    /** The kind that was requested. */
    public String kind() {
        return kind;
    }

    /** The kinds the daemon advertises. */
    public List<String> advertised() {
        return advertised;
    }
}
