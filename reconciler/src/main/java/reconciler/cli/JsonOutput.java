package reconciler.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Option;

/**
 * The {@code --json} option (a picocli mixin) and the one way a command prints its result: JSON
 * with {@code --json}, its text otherwise. What the daemon's API answered ({@link JsonNode}) is
 * printed as it came, on one line; the CLI's own results with the protocol mapper
 * ({@link Printer#json}). Commands that describe their {@code --json} in their own words declare
 * the option themselves and call {@link #print(boolean, Object, Runnable)}.
 */
final class JsonOutput {

    /** The API's JSON, as it came: a plain mapper, one line. */
    static final ObjectMapper API = new ObjectMapper();

    @Option(names = "--json", description = "print JSON")
    boolean json;

    /** Prints {@code value} as JSON with {@code --json}, else runs {@code text}. */
    void print(Object value, Runnable text) {
        print(json, value, text);
    }

    /** Prints {@code value} as JSON when {@code json}, else runs {@code text}. */
    static void print(boolean json, Object value, Runnable text) {
        if (!json) {
            text.run();
        } else if (value instanceof JsonNode n) {
            line(n);
        } else {
            Printer.json(System.out, value);
        }
    }

    /** Prints the API's JSON as it came, on one line. */
    static void line(JsonNode n) {
        try {
            System.out.println(API.writeValueAsString(n));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
