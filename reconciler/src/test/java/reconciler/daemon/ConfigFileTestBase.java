package reconciler.daemon;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import reconciler.daemon.Config.ConfigException;

/** Configuration files written into a fresh temporary directory per test, and loads that must fail. */
abstract class ConfigFileTestBase {

    @TempDir
    Path dir;

    /** Writes {@code yaml} to {@code name} in the test's directory. */
    Path write(String name, String yaml) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, yaml);
        return f;
    }

    /** Loading {@code f} is refused; the refusal. */
    ConfigException fails(Path f) {
        return assertThrows(ConfigException.class, () -> Config.load(f));
    }
}
