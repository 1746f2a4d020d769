package reconciler.sidecar;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.f4b6a3.ulid.UlidCreator;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reconciler.storage.Json;

class SidecarCodecTest {

    static Sidecar sidecar(String op) {
        return new Sidecar(Sidecar.FORMAT_VERSION, op, "import", "graph-1", "main", 3,
                new Sidecar.WriterIdentity("host-a", 4242), Instant.parse("2025-01-02T03:04:05.678Z"),
                List.of(new Sidecar.SidecarTable("node:Package", 7, 2), new Sidecar.SidecarTable("edge:DependsOn", 1, 0)));
    }

    final String op = UlidCreator.getMonotonicUlid().toString();
    final String key = SidecarStore.key(op);

    /** The encoded sidecar as a mutable JSON tree. */
    private ObjectNode tree() throws Exception {
        return (ObjectNode) Json.MAPPER.readTree(SidecarCodec.encode(sidecar(op)));
    }

    private byte[] bytes(ObjectNode n) throws Exception {
        return Json.MAPPER.writeValueAsBytes(n);
    }

    private CorruptSidecarException refused(byte[] bytes) {
        return refused(key, bytes);
    }

    /** Decoding is refused with a message that names the key and says the file is kept. */
    private static CorruptSidecarException refused(String key, byte[] bytes) {
        CorruptSidecarException e = assertThrows(CorruptSidecarException.class, () -> SidecarCodec.decode(key, bytes));
        assertEquals(key, e.key());
        assertTrue(e.getMessage().contains(key), "message names the key: " + e.getMessage());
        assertTrue(e.getMessage().contains("kept"), "message says the file is kept: " + e.getMessage());
        return e;
    }

    private CorruptSidecarException refusedAfter(Consumer<ObjectNode> edit) throws Exception {
        ObjectNode n = tree();
        edit.accept(n);
        return refused(bytes(n));
    }

    private static void assertMentions(CorruptSidecarException e, String... words) {
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), "message should mention '" + w + "': " + e.getMessage());
        }
    }

    @Test
    void roundTrip() throws Exception {
        Sidecar s = sidecar(op);
        byte[] encoded = SidecarCodec.encode(s);
        Sidecar decoded = SidecarCodec.decode(key, encoded);
        assertEquals(s, decoded);
        assertArrayEquals(encoded, SidecarCodec.encode(decoded), "re-encoding is stable");
        assertEquals(List.of("node:Package", "edge:DependsOn"), decoded.tableKeys(), "table order is kept");
    }

    @Test
    void unparseableBytesAreRefused() {
        assertMentions(refused("{\"formatVersion\": 1, ".getBytes(UTF_8)), "not valid JSON");
        refused(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2});
    }

    @Test
    void emptyFileIsRefused() {
        refused(new byte[0]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "[{\"formatVersion\": 1}]", "\"a string\"", "42", "null"})
    void nonObjectJsonIsRefused(String json) {
        refused(json.getBytes(UTF_8));
    }

    @Test
    void jsonArrayIsRefusedAsNotAnObject() {
        assertMentions(refused("[1, 2, 3]".getBytes(UTF_8)), "not a JSON object");
    }

    @Test
    void missingFormatVersionIsRefused() throws Exception {
        assertMentions(refusedAfter(n -> n.remove("formatVersion")), "formatVersion");
    }

    @Test
    void nonIntegerFormatVersionIsRefused() throws Exception {
        assertMentions(refusedAfter(n -> n.put("formatVersion", "1")), "formatVersion");
        assertMentions(refusedAfter(n -> n.put("formatVersion", 1.5)), "formatVersion");
    }

    @Test
    void formatVersionTwoIsRefused() throws Exception {
        assertMentions(refusedAfter(n -> n.put("formatVersion", 2)), "formatVersion 2");
    }

    @Test
    void unknownFieldIsRefused() throws Exception {
        assertMentions(refusedAfter(n -> n.put("surprise", true)), "surprise");
    }

    @Test
    void unknownNestedFieldIsRefused() throws Exception {
        assertMentions(refusedAfter(n -> ((ObjectNode) n.get("tables").get(0)).put("extra", 1)), "extra");
        assertMentions(refusedAfter(n -> ((ObjectNode) n.get("writer")).put("uid", 1)), "uid");
    }

    @ParameterizedTest
    @ValueSource(strings = {"operationId", "writerKind", "graphId", "branch", "baseManifestVersion", "writer", "createdAt", "tables"})
    void missingTopLevelFieldIsRefused(String field) throws Exception {
        refusedAfter(n -> n.remove(field));
    }

    @ParameterizedTest
    @ValueSource(strings = {"operationId", "writerKind", "graphId", "branch", "writer", "createdAt", "tables"})
    void nullTopLevelFieldIsRefused(String field) throws Exception {
        refusedAfter(n -> n.putNull(field));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tableKey", "expectedVersion", "fencingToken"})
    void missingTableFieldIsRefused(String field) throws Exception {
        refusedAfter(n -> ((ObjectNode) n.get("tables").get(0)).remove(field));
    }

    @ParameterizedTest
    @ValueSource(strings = {"host", "pid"})
    void missingWriterFieldIsRefused(String field) throws Exception {
        refusedAfter(n -> ((ObjectNode) n.get("writer")).remove(field));
    }

    @Test
    void nullTableEntryIsRefused() throws Exception {
        refusedAfter(n -> ((ArrayNode) n.get("tables")).addNull());
    }

    @ParameterizedTest
    @ValueSource(strings = {"not-a-ulid", "", "01JABCDEFGHJKMNPQRSTVWXYZ", "01JABCDEFGHJKMNPQRSTVWXYZUU", "01JABCDEFGHJKMNPQRSTVWXYZ!", "81JABCDEFGHJKMNPQRSTVWXYZ0"})
    void operationIdThatIsNotAUlidIsRefused(String bad) {
        // the file name matches the bad id, so only the ULID check can refuse it
        String badKey = SidecarStore.key(bad);
        Sidecar s = new Sidecar(1, bad, "import", "g", "main", 1, new Sidecar.WriterIdentity("h", 1), Instant.EPOCH,
                List.of(new Sidecar.SidecarTable("node:A", 1, 0)));
        CorruptSidecarException e = refused(badKey, SidecarCodec.encode(s));
        assertMentions(e, "ULID");
    }

    @Test
    void operationIdNotMatchingTheFileNameIsRefused() {
        String other = UlidCreator.getMonotonicUlid().toString();
        CorruptSidecarException e = refused(SidecarStore.key(other), SidecarCodec.encode(sidecar(op)));
        assertMentions(e, op, "file name");
    }

    @Test
    void lowerCaseUlidInTheFileIsRefusedWhenTheFileNameIsUpperCase() {
        // Ulid.isValid accepts lower case, but only the canonical upper-case form sorts in creation order
        Sidecar s = sidecar(op.toLowerCase());
        assertMentions(refused(SidecarCodec.encode(s)), "canonical");
    }

    @Test
    void emptyTablesAreRefused() throws Exception {
        assertMentions(refusedAfter(n -> ((ArrayNode) n.get("tables")).removeAll()), "tables is empty");
    }

    @Test
    void duplicateTableIsRefused() throws Exception {
        CorruptSidecarException e = refusedAfter(n -> {
            ArrayNode t = (ArrayNode) n.get("tables");
            t.add(t.get(0).deepCopy());
        });
        assertMentions(e, "node:Package", "twice");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Package", "vertex:X", "node:", "node:a/b", "node:1x"})
    void badTableKeyIsRefused(String bad) throws Exception {
        CorruptSidecarException e = refusedAfter(n -> ((ObjectNode) n.get("tables").get(0)).put("tableKey", bad));
        assertTrue(e.getMessage().contains("table"), e.getMessage());
    }

    @Test
    void expectedVersionZeroIsRefused() throws Exception {
        assertMentions(refusedAfter(n -> ((ObjectNode) n.get("tables").get(1)).put("expectedVersion", 0)),
                "edge:DependsOn", "expectedVersion");
    }

    @Test
    void negativeFencingTokenIsRefused() throws Exception {
        assertMentions(refusedAfter(n -> ((ObjectNode) n.get("tables").get(0)).put("fencingToken", -1)), "fencingToken");
    }

    @Test
    void baseManifestVersionZeroIsRefused() throws Exception {
        assertMentions(refusedAfter(n -> n.put("baseManifestVersion", 0)), "baseManifestVersion");
    }

    @ParameterizedTest
    @ValueSource(strings = {"graphId", "branch", "writerKind"})
    void blankIdentityFieldIsRefused(String field) throws Exception {
        refusedAfter(n -> n.put(field, "  "));
    }

    @Test
    void wrongTypeIsRefused() throws Exception {
        refusedAfter(n -> n.put("baseManifestVersion", "three"));
        refusedAfter(n -> n.put("createdAt", "yesterday"));
    }
}
