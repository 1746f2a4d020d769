package reconciler.maintenance;

import java.util.List;

/**
 * A maintenance kind that is not advertised was requested. HTTP: 400 with error type
 * {@code UnsupportedMaintenanceKind}; CLI: exit 2. Never a silent no-op (MemPalace RFC 001 §7.3).
 */
public final class UnsupportedMaintenanceKindException extends Exception {

    private final String kind;
    private final List<String> advertised;

    public UnsupportedMaintenanceKindException(String kind, List<String> advertised) {
        super("maintenance kind '" + kind + "' is not supported by this daemon"
                + (kind != null && MaintenanceKind.RESERVED.containsKey(kind) ? " (a reserved name, but no implementation is registered)" : "")
                + "; advertised kinds: " + advertised);
        this.kind = kind;
        this.advertised = List.copyOf(advertised);
    }

    /** The requested kind. */
    public String kind() {
        return kind;
    }

    /** The kinds advertised when it was requested. */
    public List<String> advertised() {
        return advertised;
    }
}
