package reconciler.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import reconciler.maintenance.Durations;
import reconciler.maintenance.GraphNotFoundException;

/** Reading a request of the HTTP API: path segments, query parameters, methods, and the typed errors they give. */
final class Requests {

    private Requests() {
    }

    /** The {@code wait} parameter: absent or {@code false} = none, empty or {@code true} = {@code maxWait}, else a duration capped at it. */
    static Duration waitParam(Map<String, String> q, Duration maxWait) throws ApiException {
        String w = q.get("wait");
        if (w == null) {
            return Duration.ZERO;
        }
        if (w.isEmpty() || w.equals("true")) {
            return maxWait;
        }
        if (w.equals("false")) {
            return Duration.ZERO;
        }
        try {
            Duration d = Durations.parse(w);
            return d.compareTo(maxWait) > 0 ? maxWait : d;
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "BadRequest", "parameter 'wait': " + e.getMessage());
        }
    }

    static ApiException graphNotFound(GraphNotFoundException e) {
        return new ApiException(404, "GraphNotFound", e.getMessage(), Map.of("graph", e.graph()));
    }

    static ApiException notFound(String path) {
        return new ApiException(404, "NotFound", "no endpoint " + path + " (see docs/maintenance.md)");
    }

    static void requireMethod(String method, String allowed) throws ApiException {
        if (!allowed.equals(method)) {
            throw new ApiException(405, "MethodNotAllowed", method + " is not allowed here; use " + allowed, Map.of("allowed", allowed));
        }
    }

    static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) {
                out.add(URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    static Map<String, String> query(String raw) {
        Map<String, String> m = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return m;
        }
        for (String kv : raw.split("&")) {
            int i = kv.indexOf('=');
            String k = URLDecoder.decode(i < 0 ? kv : kv.substring(0, i), StandardCharsets.UTF_8);
            String val = i < 0 ? "" : URLDecoder.decode(kv.substring(i + 1), StandardCharsets.UTF_8);
            m.putIfAbsent(k, val);
        }
        return m;
    }
}
