package reconciler.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A maintenance job (docs/maintenance.md, "Job").
 *
 * @param id job id
 * @param graph graph id
 * @param kind maintenance kind
 * @param state queued, running, succeeded, failed or cancelled
 * @param durationMs run time, or null while not finished
 * @param summary one line when succeeded, else null
 * @param errorType error type when failed or cancelled, else null
 * @param errorMessage error message, else null
 * @param raw the job's JSON as the daemon sent it
 */
public record Job(String id, String graph, String kind, String state, Long durationMs, String summary, String errorType,
                  String errorMessage, JsonNode raw) {

    static Job of(JsonNode j) {
        return new Job(j.path("id").asText(), j.path("graph").asText(), j.path("kind").asText(), j.path("state").asText(),
                j.hasNonNull("durationMs") ? j.path("durationMs").asLong() : null, j.hasNonNull("summary") ? j.path("summary").asText() : null,
                j.path("error").hasNonNull("type") ? j.path("error").path("type").asText() : null,
                j.path("error").hasNonNull("message") ? j.path("error").path("message").asText() : null, j);
    }

    /** Whether it finished (succeeded, failed or cancelled). */
    public boolean finished() {
        return state.equals("succeeded") || state.equals("failed") || state.equals("cancelled");
    }

    public boolean succeeded() {
        return state.equals("succeeded");
    }

    /** Kind-specific result details (empty node unless succeeded). */
    public JsonNode result() {
        return raw.path("result");
    }
}
