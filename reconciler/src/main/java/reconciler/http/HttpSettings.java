package reconciler.http;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What the server needs of the {@code http:} config section.
 *
 * @param bind address to bind
 * @param port TCP port; 0 picks a free one
 * @param threads request threads (a bounded pool), at least 1
 * @param maxWait upper bound of a request's {@code wait} parameter
 * @param tokenEnv name of the environment variable holding the bearer token (for the warning when it is unset)
 * @param token the bearer token for mutating endpoints, or null when none is available (mutations are then refused, 403)
 * @param portFile where the bound port is written ({@code <stateDir>/http.port})
 */
public record HttpSettings(String bind, int port, int threads, Duration maxWait, String tokenEnv, String token, Path portFile) {
    /** Never shows the token. */
    @Override
    public String toString() {
        return "HttpSettings[bind=" + bind + ", port=" + port + ", threads=" + threads + ", maxWait=" + maxWait + ", tokenEnv=" + tokenEnv
                + ", token=" + (token == null ? "none" : "***") + ", portFile=" + portFile + "]";
    }
}
