package reconciler.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An API error: HTTP status plus the typed JSON body
 * {@code {"error": {"type": ..., "message": ..., ...}}} documented in docs/maintenance.md.
 */
public final class ApiException extends Exception {

    private final int status;
    private final String type;
    private final Map<String, Object> extra;

    public ApiException(int status, String type, String message) {
        this(status, type, message, Map.of());
    }

    public ApiException(int status, String type, String message, Map<String, Object> extra) {
        super(message);
        this.status = status;
        this.type = type;
        this.extra = extra;
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    /** The JSON body. */
    public Map<String, Object> body() {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("type", type);
        e.put("message", getMessage());
        e.putAll(extra);
        return Map.of("error", e);
    }
}
