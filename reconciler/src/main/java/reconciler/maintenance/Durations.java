package reconciler.maintenance;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The humane durations of the config file and of the API's {@code wait} parameter:
 * {@code PT30S}, {@code 30s}, {@code 500ms}, {@code 5m}, {@code 1h} or bare seconds.
 */
public final class Durations {

    private static final Pattern SHORT = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?");

    private Durations() {
    }

    /**
     * Parses a duration.
     *
     * @return a non-negative duration
     * @throws IllegalArgumentException {@code not a duration: '<s>' (use e.g. ...)} or {@code negative duration: '<s>'}
     */
    public static Duration parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("p")) {
            Duration d;
            try {
                d = Duration.parse(s.trim().toUpperCase(Locale.ROOT));
            } catch (java.time.format.DateTimeParseException e) {
                throw new IllegalArgumentException("not a duration: '" + s + "' (use e.g. 30s, 500ms, 5m, 1h or PT30S)", e);
            }
            if (d.isNegative()) {
                throw new IllegalArgumentException("negative duration: '" + s + "'");
            }
            return d;
        }
        Matcher m = SHORT.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration: '" + s + "' (use e.g. 30s, 500ms, 5m, 1h or PT30S)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
    }
}
