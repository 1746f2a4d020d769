package reconciler.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TableKeyTest {

    @ParameterizedTest
    @ValueSource(strings = {"node:Package", "edge:DependsOn", "node:a", "edge:X_1_y"})
    void parseToStringRoundTrip(String key) {
        TableKey k = TableKey.parse(key);
        assertEquals(key, k.toString());
        assertEquals(k, TableKey.parse(k.toString()));
    }

    @Test
    void parseSplitsKindAndName() {
        TableKey k = TableKey.parse("edge:DependsOn");
        assertEquals("edge", k.kind());
        assertEquals("DependsOn", k.name());
    }

    @ParameterizedTest
    @CsvSource({"node:Package, node-Package.lance", "edge:DependsOn, edge-DependsOn.lance"})
    void pathSegmentMapsOneToOneOntoTheKey(String key, String segment) {
        TableKey k = TableKey.parse(key);
        assertEquals(segment, k.pathSegment());
        String s = k.pathSegment();
        // the inverse mapping: <kind>-<Name>.lance -> kind:Name
        String back = s.substring(0, s.indexOf('-')) + ":" + s.substring(s.indexOf('-') + 1, s.length() - ".lance".length());
        assertEquals(k, TableKey.parse(back));
    }

    @Test
    void longestNameIsAccepted() {
        String name = "N" + "a".repeat(127);
        assertEquals(name, TableKey.parse("node:" + name).name());
        assertThrows(IllegalArgumentException.class, () -> TableKey.parse("node:" + name + "a"));
    }

    /** Keys without a colon: the message quotes the whole key. */
    @ParameterizedTest
    @ValueSource(strings = {"Package", "nodePackage", ""})
    void keysWithoutKindAreRejectedNamingTheKey(String key) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TableKey.parse(key));
        assertTrue(e.getMessage().contains("'" + key + "'"), e.getMessage());
    }

    @Test
    void nullKeyIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TableKey.parse(null));
        assertTrue(e.getMessage().contains("null"), e.getMessage());
    }

    /**
     * Keys with a colon but a bad kind or name. The message quotes the offending part (the full key
     * is not in the message: see the report on TableKey.parse).
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "vertex:X | 'vertex'",
            "node:    | ''",
            "node:a/b | 'a/b'",
            "node:1x  | '1x'",
            "node:_x  | '_x'",
            "node:a-b | 'a-b'",
            "Node:X   | 'Node'",
            "node:a:b | 'a:b'"})
    void badKindOrNameIsRejectedNamingTheOffendingPart(String key, String quoted) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TableKey.parse(key));
        assertTrue(e.getMessage().contains(quoted), "message should quote " + quoted + ": " + e.getMessage());
    }

    /** TableKey.parse documents "@throws IllegalArgumentException naming the bad key". */
    @ParameterizedTest
    @ValueSource(strings = {"vertex:X", "node:", "node:a/b", "node:1x"})
    void badKindOrNameMessageQuotesTheWholeKey(String key) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TableKey.parse(key));
        assertTrue(e.getMessage().contains("'" + key + "'"), e.getMessage());
    }

    @Test
    void constructorValidatesToo() {
        assertThrows(IllegalArgumentException.class, () -> new TableKey("vertex", "X"));
        assertThrows(IllegalArgumentException.class, () -> new TableKey("node", null));
        assertThrows(IllegalArgumentException.class, () -> new TableKey(null, "X"));
    }

    @Test
    void ordersByKeyString() {
        List<TableKey> keys = new ArrayList<>(List.of(TableKey.parse("node:b"), TableKey.parse("edge:z"), TableKey.parse("node:A")));
        Collections.sort(keys);
        assertEquals(List.of("edge:z", "node:A", "node:b"), keys.stream().map(TableKey::toString).toList());
    }
}
