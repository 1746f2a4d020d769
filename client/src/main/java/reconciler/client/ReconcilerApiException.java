package reconciler.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The daemon answered with an error: HTTP status plus the typed body
 * {@code {"error": {"type": ..., "message": ...}}} (docs/maintenance.md, "Errors").
 */
public class ReconcilerApiException extends Exception {

    private final int status;
    private final String type;
    private final JsonNode body;

    public ReconcilerApiException(int status, String type, String message, JsonNode body) {
        super(type + " (HTTP " + status + "): " + message);
        this.status = status;
        this.type = type;
        this.body = body;
    }

    /** HTTP status. */
    public int status() {
        return status;
    }

    /** Error type: {@code UnsupportedMaintenanceKind}, {@code GraphNotFound}, {@code Unauthorized}, ... */
    public String type() {
        return type;
    }

    /** The whole error body. */
    public JsonNode body() {
        return body;
    }
}
