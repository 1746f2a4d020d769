package reconciler.maintenance;

/**
 * A reload of the graph list was refused and nothing changed: the config file is invalid (the
 * message names the file, line and key) or the daemon was not started from a file.
 */
public final class ReloadRefusedException extends Exception {

    /** @param message the reason, shown as is in the API's {@code ConfigError} body and in the log */
    public ReloadRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
