package reconciler.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ArrowTypesTest {

    @ParameterizedTest
    @ValueSource(strings = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "float32",
            "float64", "utf8", "large_utf8", "binary", "large_binary", "date32", "date64", "timestamp[s]", "timestamp[ms]",
            "timestamp[us, UTC]", "timestamp[ns, Europe/Paris]", "time32[s]", "time32[ms]", "time64[us]", "time64[ns]",
            "decimal128(10, 2)", "decimal256(40, 5)", "list<int64>", "large_list<utf8>", "fixed_size_list<float64, 3>",
            "struct<a: int32, b: list<utf8>>", "vector64", "int64 not null", "list<int32 not null> not null",
            "struct<inner: struct<x: float32>, when: timestamp[us, UTC]>"})
    void everyTypeRoundTripsCanonically(String type) {
        Field f = ArrowTypes.field("c", type);
        assertEquals(type, ArrowTypes.type(f));
        assertEquals(f, ArrowTypes.field("c", ArrowTypes.type(f)));
    }

    @Test
    void spacesAreOptionalAndWrittenCanonically() {
        assertEquals("struct<a: int32, b: decimal128(5, 1)>", ArrowTypes.type(ArrowTypes.field("c", "struct<a:int32,b:decimal128(5,1)>")));
        assertEquals("timestamp[us, UTC]", ArrowTypes.type(ArrowTypes.field("c", "timestamp[us,UTC]")));
    }

    @Test
    void fieldsCarryTheArrowTypes() {
        Field ts = ArrowTypes.field("when", "timestamp[us, UTC]");
        assertEquals(new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC"), ts.getType());
        assertTrue(ts.isNullable());
        assertFalse(ArrowTypes.field("id", "int64 not null").isNullable());
        Field v = ArrowTypes.field("embedding", "vector64");
        assertEquals(new ArrowType.FixedSizeList(64), v.getType());
        assertEquals("vector64", ArrowTypes.type(ArrowTypes.field("e", "fixed_size_list<float32, 64>")), "the v1 embedding type keeps its name");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "int", "int63", "list<>", "list<int64", "struct<>", "struct<a int32>", "timestamp[h]", "time32[us]",
            "time64[s]", "decimal128(a, 2)", "fixed_size_list<float32, 0>", "int64 not", "int64 null", "utf8 extra", "struct<1a: int32>"})
    void badTypeStringsAreRefusedNamingTheStringAndPosition(String type) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ArrowTypes.field("c", type));
        assertTrue(e.getMessage().contains("'" + type + "'") || type.isEmpty() || e.getMessage().contains("column name"), e.getMessage());
    }

    @Test
    void unsupportedArrowTypesAreRefusedNamingTheColumn() {
        Field map = new Field("m", FieldType.nullable(new ArrowType.Map(false)), List.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ArrowTypes.type(map));
        assertTrue(e.getMessage().contains("'m'") && e.getMessage().contains("not supported"), e.getMessage());
    }

    @Test
    void columnSpecValidatesItsTypeAndName() {
        assertEquals("timestamp[ms]", new ColumnSpec("createdAt", "timestamp[ms]").type());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ColumnSpec("x", "varchar"));
        assertTrue(e.getMessage().contains("column 'x'") && e.getMessage().contains("varchar"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ColumnSpec("9lives", "utf8"));
        assertEquals(new ColumnSpec("v", "vector64"), ColumnSpec.of(ArrowTypes.field("v", "vector64")));
    }
}
