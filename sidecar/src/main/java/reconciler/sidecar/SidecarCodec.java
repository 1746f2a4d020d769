package reconciler.sidecar;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.f4b6a3.ulid.Ulid;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import reconciler.storage.Json;
import reconciler.storage.TableKey;

/**
 * Encodes and strictly decodes sidecars. Decoding refuses (with {@link CorruptSidecarException}):
 * non-JSON, a missing or unknown {@code formatVersion}, unknown or missing fields, an operation id
 * that is not a ULID or differs from the file name, an empty or duplicated table list, bad table
 * keys, versions below 1 and negative fencing tokens.
 */
public final class SidecarCodec {
    private SidecarCodec() {
    }

    /** Pretty-printed JSON bytes. @throws IllegalStateException if Jackson fails (a bug) */
    public static byte[] encode(Sidecar s) {
        try {
            return Json.MAPPER.writeValueAsBytes(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Decodes and validates a sidecar read from {@code key}.
     *
     * @param key the storage key, {@code _recovery/<operationId>.json}
     * @throws CorruptSidecarException naming the key and the reason
     */
    public static Sidecar decode(String key, byte[] bytes) throws CorruptSidecarException {
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new CorruptSidecarException(key, "not valid JSON (" + firstLine(e) + ")", e);
        }
        if (tree == null || !tree.isObject()) {
            throw new CorruptSidecarException(key, "not a JSON object", null);
        }
        JsonNode fv = tree.get("formatVersion");
        if (fv == null || !fv.isInt()) {
            throw new CorruptSidecarException(key, "missing integer field formatVersion", null);
        }
        if (fv.intValue() != Sidecar.FORMAT_VERSION) {
            throw new CorruptSidecarException(key, "unknown sidecar formatVersion " + fv.intValue()
                    + " (this reconciler understands " + Sidecar.FORMAT_VERSION + ")", null);
        }
        Sidecar s;
        try {
            s = Json.MAPPER.treeToValue(tree, Sidecar.class);
        } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
            throw new CorruptSidecarException(key, "bad sidecar field '" + fieldPath(e) + "' (" + firstLine(e) + ")", e);
        } catch (IOException e) {
            throw new CorruptSidecarException(key, "bad sidecar fields (" + firstLine(e) + ")", e);
        }
        validate(key, s);
        return s;
    }

    private static void validate(String key, Sidecar s) throws CorruptSidecarException {
        if (!Ulid.isValid(s.operationId()) || !s.operationId().equals(Ulid.from(s.operationId()).toString())) {
            throw new CorruptSidecarException(key, "operationId '" + s.operationId() + "' is not a canonical (upper-case) ULID", null);
        }
        String expectedKey = SidecarStore.key(s.operationId());
        if (!expectedKey.equals(key)) {
            throw new CorruptSidecarException(key, "operationId " + s.operationId() + " does not match the file name", null);
        }
        if (s.graphId().isBlank() || s.branch().isBlank() || s.writerKind().isBlank()) {
            throw new CorruptSidecarException(key, "graphId, branch and writerKind must not be blank", null);
        }
        if (s.baseManifestVersion() < 1) {
            throw new CorruptSidecarException(key, "baseManifestVersion must be >= 1", null);
        }
        if (s.tables().isEmpty()) {
            throw new CorruptSidecarException(key, "tables is empty", null);
        }
        Set<String> seen = new HashSet<>();
        for (Sidecar.SidecarTable t : s.tables()) {
            try {
                TableKey.parse(t.tableKey());
            } catch (IllegalArgumentException e) {
                throw new CorruptSidecarException(key, e.getMessage(), e);
            }
            if (!seen.add(t.tableKey())) {
                throw new CorruptSidecarException(key, "table " + t.tableKey() + " listed twice", null);
            }
            if (t.expectedVersion() < 1 || t.fencingToken() < 0) {
                throw new CorruptSidecarException(key, "table " + t.tableKey() + ": expectedVersion must be >= 1 and fencingToken >= 0", null);
            }
        }
    }

    private static String fieldPath(com.fasterxml.jackson.databind.JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (com.fasterxml.jackson.databind.JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                sb.append(sb.length() > 0 ? "." : "").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String firstLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
