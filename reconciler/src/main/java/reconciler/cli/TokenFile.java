package reconciler.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the HTTP API's bearer token from a file given with {@code --token-file}: either a bare token
 * (one non-comment line that does not start like an assignment {@code NAME=} with an upper-case or
 * the named variable) or a systemd {@code EnvironmentFile} such as the installed
 * {@code /etc/reconciler/reconciler.env} ({@code KEY=VALUE} lines, {@code #} comments, optional
 * {@code export} and quotes), from which the line of the variable {@code http.tokenEnv} names is
 * taken. Errors name the file and the variables it has, never a value: the file holds other secrets.
 */
final class TokenFile {

    private static final Pattern ASSIGNMENT = Pattern.compile("(?:export\\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)");

    /** The file cannot give a token; the message never contains the file's content. */
    static final class TokenFileException extends IOException {
        TokenFileException(String m) {
            super(m);
        }
    }

    private TokenFile() {
    }

    /**
     * The token in {@code file}.
     *
     * @param variable the variable to take from an environment file ({@code http.tokenEnv}, e.g.
     *     {@code RECONCILER_HTTP_TOKEN}); may be null for a bare-token file
     * @throws TokenFileException if the file is an environment file without that variable, has no
     *     token, or the token holds whitespace or control characters (not a valid header value)
     * @throws IOException if the file cannot be read
     */
    static String read(Path file, String variable) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String l : Files.readAllLines(file)) {
            String t = l.strip();
            if (!t.isEmpty() && !t.startsWith("#")) {
                lines.add(t);
            }
        }
        String token;
        Matcher single = lines.size() == 1 ? ASSIGNMENT.matcher(lines.get(0)) : null;
        boolean assignment = single != null && single.matches()
                && (single.group(1).equals(variable) || single.group(1).equals(single.group(1).toUpperCase(java.util.Locale.ROOT)));
        if (single != null && !assignment) {
            token = lines.get(0); // a bare token may contain '=' (base64), just not start like NAME=
        } else {
            token = fromEnvironmentFile(file, lines, variable);
        }
        if (token.isEmpty()) {
            throw new TokenFileException("token file " + file + " holds an empty token");
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                throw new TokenFileException("the token in " + file + " is not a valid bearer token: it contains whitespace or a "
                        + "control character (its value is not shown)");
            }
        }
        return token;
    }

    private static String fromEnvironmentFile(Path file, List<String> lines, String variable) throws TokenFileException {
        List<String> names = new ArrayList<>();
        String value = null;
        for (String l : lines) {
            Matcher m = ASSIGNMENT.matcher(l);
            if (!m.matches()) {
                throw new TokenFileException("token file " + file + " is neither a bare token (one line) nor an environment file "
                        + "(KEY=VALUE lines): line " + (lines.indexOf(l) + 1) + " of its non-comment lines is neither");
            }
            names.add(m.group(1));
            if (m.group(1).equals(variable)) {
                value = unquote(m.group(2).strip());
            }
        }
        if (variable == null || variable.isBlank()) {
            throw new TokenFileException("token file " + file + " is an environment file (variables " + names + ") but no variable "
                    + "is named: pass --token-env NAME or set http.tokenEnv");
        }
        if (value == null) {
            throw new TokenFileException("token file " + file + " has no " + variable + "= line (variables " + names + ")");
        }
        return value;
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }
}
