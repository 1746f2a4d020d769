package reconciler.bench.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.io.FileUtils;
import picocli.CommandLine.Option;

/**
 * A benchmark's working directory: as a picocli mixin, the {@code --dir} option of the benchmarks
 * that make graphs there; as a {@link Scope}, the directory given (kept), or else a new temporary
 * directory {@code reconciler-bench-<name>-…} that is deleted, with everything in it, when the
 * scope closes.
 */
public final class WorkDir {

    @Option(names = "--dir", description = "where the graphs are made (default: a temporary directory, deleted after)")
    Path dir;

    /** The {@code --dir} given (kept), or else a temporary directory for benchmark {@code name} (deleted on close). */
    public Scope open(String name) throws IOException {
        return dir != null ? new Scope(dir, false) : temporary(name);
    }

    /** A new temporary directory for benchmark {@code name}, deleted on close. */
    public static Scope temporary(String name) throws IOException {
        return new Scope(Files.createTempDirectory("reconciler-bench-" + name + "-"), true);
    }

    /** A working directory for the length of a run: {@link #close()} deletes a temporary one unless {@link #keep() kept}. */
    public static final class Scope implements AutoCloseable {
        private final Path path;
        private boolean temporary;

        Scope(Path path, boolean temporary) {
            this.path = path;
            this.temporary = temporary;
        }

        /** The directory. */
        public Path path() {
            return path;
        }

        /** Keeps the directory after the run (e.g. for its logs). */
        public void keep() {
            temporary = false;
        }

        @Override
        public void close() throws IOException {
            if (temporary) {
                FileUtils.deleteDirectory(path.toFile());
            }
        }
    }
}
