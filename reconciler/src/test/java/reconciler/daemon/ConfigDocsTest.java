package reconciler.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every configuration key the loader accepts is documented in README.md's table and in the shipped conf/reconciler.yaml. */
class ConfigDocsTest {

    static final List<Class<?>> SECTIONS = List.of(ConfigBuilder.S3.class, ConfigBuilder.ZooKeeper.class, ConfigBuilder.Http.class);

    static void keys(Class<?> c, String prefix, List<String> out) {
        for (Field f : c.getFields()) {
            if (Modifier.isStatic(f.getModifiers())) {
                continue;
            }
            JsonProperty p = f.getAnnotation(JsonProperty.class);
            String name = p != null && !p.value().isEmpty() ? p.value() : f.getName();
            if (SECTIONS.contains(f.getType())) {
                keys(f.getType(), prefix + name + ".", out);
            } else {
                out.add(prefix + name);
            }
        }
    }

    @Test
    void everyKeyIsInTheReadmeTableAndTheShippedConfig() throws Exception {
        List<String> keys = new ArrayList<>();
        keys(ConfigBuilder.class, "", keys);
        String readme = Files.readString(Path.of("..", "README.md"));
        String shipped = Files.readString(Path.of("..", "conf", "reconciler.yaml"));
        List<String> missing = new ArrayList<>();
        for (String k : keys) {
            String leaf = k.substring(k.lastIndexOf('.') + 1);
            if (!readme.contains("`" + k + "`")) {
                missing.add(k + " (README table)");
            }
            if (!shipped.contains(leaf + ":")) {
                missing.add(k + " (conf/reconciler.yaml)");
            }
        }
        assertEquals(List.of(), missing);
    }
}
