package reconciler.storage;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Rows given as maps (column name → value) turned into Arrow data: a convenience for small writes,
 * tests and the reference writer; applications with Arrow data pass their own {@link ArrowReader}.
 * Values: {@link Number} for integer, float and decimal columns, {@link CharSequence} for utf8,
 * {@code byte[]} for binary, {@link Boolean}, {@link LocalDate} for date32, {@link Instant} (or a
 * number in the column's unit) for timestamps, {@code float[]} (or a list of numbers) for
 * fixed-size float32 lists such as {@code vector64}; {@code null} for a null. Other column types
 * are refused: build Arrow data directly for them.
 */
public final class ArrowRows {
    private ArrowRows() {
    }

    /**
     * A reader over {@code rows} in batches of at most {@code batchSize} rows, each batch filled into
     * freshly allocated (aligned) vectors when it is loaded.
     *
     * @throws IllegalArgumentException for an unknown column, a value of the wrong kind, or an unsupported column type
     */
    public static ArrowReader reader(BufferAllocator allocator, Schema schema, List<Map<String, Object>> rows, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1");
        }
        return new ArrowReader(allocator) {
            private int from;

            @Override
            public boolean loadNextBatch() throws java.io.IOException {
                if (from >= rows.size()) {
                    return false;
                }
                int to = Math.min(rows.size(), from + batchSize);
                fill(getVectorSchemaRoot(), rows.subList(from, to));
                from = to;
                return true;
            }

            @Override
            public long bytesRead() {
                return 0;
            }

            @Override
            protected void closeReadSource() {
            }

            @Override
            protected Schema readSchema() {
                return schema;
            }
        };
    }

    private static void fill(VectorSchemaRoot root, List<Map<String, Object>> rows) {
        root.clear();
        root.allocateNew();
        for (Map<String, Object> row : rows) {
            for (String k : row.keySet()) {
                if (root.getVector(k) == null) {
                    throw new IllegalArgumentException("no column '" + k + "' in " + root.getSchema().getFields().stream().map(f -> f.getName()).toList());
                }
            }
        }
        for (FieldVector v : root.getFieldVectors()) {
            for (int i = 0; i < rows.size(); i++) {
                Object val = rows.get(i).get(v.getName());
                try {
                    set(v, i, val);
                } catch (ClassCastException e) {
                    throw new IllegalArgumentException("column '" + v.getName() + "' (" + ArrowTypes.type(v.getField()) + "): value "
                            + val + " of " + val.getClass().getSimpleName() + " does not fit", e);
                }
            }
            v.setValueCount(rows.size());
        }
        root.setRowCount(rows.size());
    }

    private static void set(FieldVector v, int i, Object val) {
        if (val == null) {
            if (v instanceof FixedSizeListVector fl) {
                fl.setNull(i);
                for (int d = 0; d < fl.getListSize(); d++) {
                    ((Float4Vector) fl.getDataVector()).setSafe(i * fl.getListSize() + d, 0f);
                }
                fl.getDataVector().setValueCount((i + 1) * fl.getListSize());
                return;
            }
            v.setNull(i);
            return;
        }
        if (v instanceof BigIntVector b) {
            b.setSafe(i, ((Number) val).longValue());
        } else if (v instanceof IntVector b) {
            b.setSafe(i, ((Number) val).intValue());
        } else if (v instanceof SmallIntVector b) {
            b.setSafe(i, ((Number) val).shortValue());
        } else if (v instanceof TinyIntVector b) {
            b.setSafe(i, ((Number) val).byteValue());
        } else if (v instanceof Float8Vector f) {
            f.setSafe(i, ((Number) val).doubleValue());
        } else if (v instanceof Float4Vector f) {
            f.setSafe(i, ((Number) val).floatValue());
        } else if (v instanceof VarCharVector s) {
            s.setSafe(i, ((CharSequence) val).toString().getBytes(StandardCharsets.UTF_8));
        } else if (v instanceof VarBinaryVector s) {
            s.setSafe(i, (byte[]) val);
        } else if (v instanceof BitVector b) {
            b.setSafe(i, ((Boolean) val) ? 1 : 0);
        } else if (v instanceof DateDayVector d) {
            d.setSafe(i, (int) ((LocalDate) val).toEpochDay());
        } else if (v instanceof DecimalVector d) {
            d.setSafe(i, val instanceof BigDecimal bd ? bd : new BigDecimal(val.toString()));
        } else if (v instanceof TimeStampVector t) {
            t.setSafe(i, val instanceof Instant in ? inUnit(in, (ArrowType.Timestamp) v.getField().getType()) : ((Number) val).longValue());
        } else if (v instanceof FixedSizeListVector fl && fl.getDataVector() instanceof Float4Vector data) {
            float[] f = floats(val);
            int dim = fl.getListSize();
            if (f.length != dim) {
                throw new IllegalArgumentException("column '" + v.getName() + "' needs " + dim + " values, got " + f.length);
            }
            fl.setNotNull(i);
            for (int d = 0; d < dim; d++) {
                data.setSafe(i * dim + d, f[d]);
            }
            data.setValueCount((i + 1) * dim);
        } else {
            throw new IllegalArgumentException("column '" + v.getName() + "' of type " + ArrowTypes.type(v.getField())
                    + " cannot be filled from map rows: build Arrow data for it directly");
        }
    }

    private static float[] floats(Object val) {
        if (val instanceof float[] arr) {
            return arr;
        }
        List<?> list = (List<?>) val;
        float[] f = new float[list.size()];
        for (int d = 0; d < f.length; d++) {
            f[d] = ((Number) list.get(d)).floatValue();
        }
        return f;
    }

    private static long inUnit(Instant in, ArrowType.Timestamp t) {
        return switch (t.getUnit()) {
            case SECOND -> in.getEpochSecond();
            case MILLISECOND -> in.toEpochMilli();
            case MICROSECOND -> Math.addExact(Math.multiplyExact(in.getEpochSecond(), 1_000_000L), in.getNano() / 1_000);
            case NANOSECOND -> Math.addExact(Math.multiplyExact(in.getEpochSecond(), 1_000_000_000L), in.getNano());
        };
    }
}
