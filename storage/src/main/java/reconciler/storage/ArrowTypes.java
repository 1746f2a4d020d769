package reconciler.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;

/**
 * The column type strings a manifest records ({@link ColumnSpec#type()}), to and from Arrow
 * fields: one line per column that a person can read and a reader can check. Grammar
 * (docs/protocol.md, "Manifest"):
 * <pre>
 * type   := base [" not null"]
 * base   := "bool" | "int8" | "int16" | "int32" | "int64" | "uint8" | "uint16" | "uint32" | "uint64"
 *         | "float16" | "float32" | "float64" | "utf8" | "large_utf8" | "binary" | "large_binary"
 *         | "date32" | "date64" | "timestamp[" unit ["," zone] "]" | "time32[" s|ms "]" | "time64[" us|ns "]"
 *         | "decimal128(" precision "," scale ")" | "decimal256(" precision "," scale ")"
 *         | "list&lt;" type "&gt;" | "large_list&lt;" type "&gt;" | "fixed_size_list&lt;" type "," size "&gt;"
 *         | "struct&lt;" name ":" type {"," name ":" type} "&gt;" | "vector64"
 * unit   := "s" | "ms" | "us" | "ns"
 * </pre>
 * {@code vector64} is {@code fixed_size_list<float32, 64>} (protocol v1's embedding type) and is
 * what such a column formats as. Every field is nullable unless marked {@code not null}. Spaces
 * after commas are allowed; {@link #type} writes them canonically ({@code ", "}).
 */
public final class ArrowTypes {
    private ArrowTypes() {
    }

    /**
     * Parses a type string into a field.
     *
     * @param name the field name
     * @throws IllegalArgumentException naming the type string and the position that failed
     */
    public static Field field(String name, String type) {
        Parser p = new Parser(type);
        Field f = p.type(name);
        p.skipSpaces();
        if (!p.atEnd()) {
            throw p.error("unexpected text");
        }
        return f;
    }

    /**
     * Formats a field's type (children included) as a type string.
     *
     * @throws IllegalArgumentException for an Arrow type outside the grammar (maps, unions, intervals, ...)
     */
    public static String type(Field f) {
        String base = base(f);
        return f.isNullable() ? base : base + " not null";
    }

    private static String base(Field f) {
        ArrowType t = f.getType();
        if (t instanceof ArrowType.Bool) {
            return "bool";
        }
        if (t instanceof ArrowType.Int i) {
            return (i.getIsSigned() ? "int" : "uint") + i.getBitWidth();
        }
        if (t instanceof ArrowType.FloatingPoint fp) {
            return switch (fp.getPrecision()) {
                case HALF -> "float16";
                case SINGLE -> "float32";
                case DOUBLE -> "float64";
            };
        }
        if (t instanceof ArrowType.Utf8) {
            return "utf8";
        }
        if (t instanceof ArrowType.LargeUtf8) {
            return "large_utf8";
        }
        if (t instanceof ArrowType.Binary) {
            return "binary";
        }
        if (t instanceof ArrowType.LargeBinary) {
            return "large_binary";
        }
        if (t instanceof ArrowType.Date d) {
            return d.getUnit() == DateUnit.DAY ? "date32" : "date64";
        }
        if (t instanceof ArrowType.Timestamp ts) {
            return "timestamp[" + unit(ts.getUnit()) + (ts.getTimezone() == null ? "" : ", " + ts.getTimezone()) + "]";
        }
        if (t instanceof ArrowType.Time tm) {
            return "time" + tm.getBitWidth() + "[" + unit(tm.getUnit()) + "]";
        }
        if (t instanceof ArrowType.Decimal d) {
            return "decimal" + d.getBitWidth() + "(" + d.getPrecision() + ", " + d.getScale() + ")";
        }
        if (t instanceof ArrowType.List) {
            return "list<" + type(only(f)) + ">";
        }
        if (t instanceof ArrowType.LargeList) {
            return "large_list<" + type(only(f)) + ">";
        }
        if (t instanceof ArrowType.FixedSizeList fsl) {
            Field item = only(f);
            if (fsl.getListSize() == ColumnSpec.VECTOR64_DIM && item.isNullable() && item.getType() instanceof ArrowType.FloatingPoint fp
                    && fp.getPrecision() == FloatingPointPrecision.SINGLE) {
                return ColumnSpec.VECTOR64;
            }
            return "fixed_size_list<" + type(item) + ", " + fsl.getListSize() + ">";
        }
        if (t instanceof ArrowType.Struct) {
            List<String> parts = new ArrayList<>();
            for (Field c : f.getChildren()) {
                ColumnSpec.checkName(c.getName());
                parts.add(c.getName() + ": " + type(c));
            }
            if (parts.isEmpty()) {
                throw new IllegalArgumentException("column '" + f.getName() + "': a struct needs at least one field");
            }
            return "struct<" + String.join(", ", parts) + ">";
        }
        throw new IllegalArgumentException("column '" + f.getName() + "': Arrow type " + t + " is not supported"
                + " (supported: bool, ints, floats, utf8, binary, dates, timestamps, times, decimals, lists, fixed-size lists, structs)");
    }

    private static Field only(Field f) {
        if (f.getChildren().size() != 1) {
            throw new IllegalArgumentException("column '" + f.getName() + "': a list needs exactly one child field");
        }
        return f.getChildren().get(0);
    }

    private static String unit(TimeUnit u) {
        return switch (u) {
            case SECOND -> "s";
            case MILLISECOND -> "ms";
            case MICROSECOND -> "us";
            case NANOSECOND -> "ns";
        };
    }

    /** Recursive descent over one type string. */
    private static final class Parser {
        private final String s;
        private int i;

        Parser(String s) {
            if (s == null || s.isBlank()) {
                throw new IllegalArgumentException("empty column type");
            }
            this.s = s;
        }

        IllegalArgumentException error(String what) {
            return new IllegalArgumentException("bad column type '" + s + "' at position " + i + ": " + what);
        }

        boolean atEnd() {
            return i >= s.length();
        }

        void skipSpaces() {
            while (i < s.length() && s.charAt(i) == ' ') {
                i++;
            }
        }

        boolean eat(String token) {
            skipSpaces();
            if (s.startsWith(token, i)) {
                i += token.length();
                return true;
            }
            return false;
        }

        void expect(String token) {
            if (!eat(token)) {
                throw error("expected '" + token + "'");
            }
        }

        String word() {
            skipSpaces();
            int start = i;
            while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
                i++;
            }
            if (start == i) {
                throw error("expected a type name");
            }
            return s.substring(start, i);
        }

        int number() {
            String w = word();
            try {
                return Integer.parseInt(w);
            } catch (NumberFormatException e) {
                throw error("expected a number, got '" + w + "'");
            }
        }

        Field type(String name) {
            int at = i;
            String w = word();
            ArrowType t;
            List<Field> children = List.of();
            switch (w) {
                case "bool" -> t = ArrowType.Bool.INSTANCE;
                case "int8", "int16", "int32", "int64" -> t = new ArrowType.Int(Integer.parseInt(w.substring(3)), true);
                case "uint8", "uint16", "uint32", "uint64" -> t = new ArrowType.Int(Integer.parseInt(w.substring(4)), false);
                case "float16" -> t = new ArrowType.FloatingPoint(FloatingPointPrecision.HALF);
                case "float32" -> t = new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
                case "float64" -> t = new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
                case "utf8" -> t = ArrowType.Utf8.INSTANCE;
                case "large_utf8" -> t = ArrowType.LargeUtf8.INSTANCE;
                case "binary" -> t = ArrowType.Binary.INSTANCE;
                case "large_binary" -> t = ArrowType.LargeBinary.INSTANCE;
                case "date32" -> t = new ArrowType.Date(DateUnit.DAY);
                case "date64" -> t = new ArrowType.Date(DateUnit.MILLISECOND);
                case "timestamp" -> {
                    expect("[");
                    TimeUnit u = unit();
                    String zone = null;
                    if (eat(",")) {
                        skipSpaces();
                        int start = i;
                        while (i < s.length() && s.charAt(i) != ']') {
                            i++;
                        }
                        zone = s.substring(start, i).trim();
                        if (zone.isEmpty()) {
                            throw error("expected a time zone");
                        }
                    }
                    expect("]");
                    t = new ArrowType.Timestamp(u, zone);
                }
                case "time32", "time64" -> {
                    expect("[");
                    TimeUnit u = unit();
                    expect("]");
                    int bits = w.equals("time32") ? 32 : 64;
                    if ((bits == 32) != (u == TimeUnit.SECOND || u == TimeUnit.MILLISECOND)) {
                        i = at;
                        throw error(w + " takes " + (bits == 32 ? "s or ms" : "us or ns"));
                    }
                    t = new ArrowType.Time(u, bits);
                }
                case "decimal128", "decimal256" -> {
                    expect("(");
                    int precision = number();
                    expect(",");
                    int scale = number();
                    expect(")");
                    t = new ArrowType.Decimal(precision, scale, w.equals("decimal128") ? 128 : 256);
                }
                case "list", "large_list" -> {
                    expect("<");
                    children = List.of(type("item"));
                    expect(">");
                    t = w.equals("list") ? ArrowType.List.INSTANCE : ArrowType.LargeList.INSTANCE;
                }
                case "fixed_size_list" -> {
                    expect("<");
                    children = List.of(type("item"));
                    expect(",");
                    int size = number();
                    if (size < 1) {
                        throw error("a fixed-size list needs a size of at least 1");
                    }
                    expect(">");
                    t = new ArrowType.FixedSizeList(size);
                }
                case "vector64" -> {
                    children = List.of(new Field("item", FieldType.nullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)), null));
                    t = new ArrowType.FixedSizeList(ColumnSpec.VECTOR64_DIM);
                }
                case "struct" -> {
                    expect("<");
                    List<Field> fields = new ArrayList<>();
                    do {
                        String child = word();
                        ColumnSpec.checkName(child);
                        expect(":");
                        fields.add(type(child));
                    } while (eat(","));
                    expect(">");
                    children = fields;
                    t = ArrowType.Struct.INSTANCE;
                }
                default -> {
                    i = at;
                    throw error("unknown type '" + w + "'");
                }
            }
            boolean nullable = true;
            int before = i;
            if (eat("not")) {
                if (!eat("null")) {
                    throw error("expected 'not null'");
                }
                nullable = false;
            } else {
                i = before;
            }
            return new Field(name, new FieldType(nullable, t, null), children);
        }

        TimeUnit unit() {
            String u = word().toLowerCase(Locale.ROOT);
            return switch (u) {
                case "s" -> TimeUnit.SECOND;
                case "ms" -> TimeUnit.MILLISECOND;
                case "us" -> TimeUnit.MICROSECOND;
                case "ns" -> TimeUnit.NANOSECOND;
                default -> throw error("unknown time unit '" + u + "' (s, ms, us, ns)");
            };
        }
    }
}
