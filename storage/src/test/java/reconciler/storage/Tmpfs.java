package reconciler.storage;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A size-limited tmpfs mounted on a directory, for real ENOSPC: {@link #fill()} writes a filler
 * file until the kernel refuses with "No space left on device"; {@link #free()} deletes it;
 * {@link #resize} grows or shrinks it in place ({@code mount -o remount,size=}). Mounting needs
 * root (or CAP_SYS_ADMIN); without it the calling test is skipped with a message saying so.
 *
 * <p>Public, and shipped in storage's test-jar, for the disk-fault tests of the {@code it} module.
 */
public final class Tmpfs implements AutoCloseable {

    /** The filler's name: hidden, so {@code GraphStore.list} never shows it. */
    public static final String FILLER = ".filler";

    private final Path dir;

    private Tmpfs(Path dir) {
        this.dir = dir;
    }

    /** Mounts a tmpfs of {@code sizeKb} KiB on {@code dir} (created if missing); skips the test if not permitted. */
    public static Tmpfs mount(Path dir, long sizeKb) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        String out = run(List.of("mount", "-t", "tmpfs", "-o", "size=" + sizeKb + "k", "tmpfs", dir.toString()));
        Assumptions.assumeTrue(out == null, "skipped: cannot mount a size-limited tmpfs on " + dir
                + " (needs root or CAP_SYS_ADMIN): " + out);
        return new Tmpfs(dir);
    }

    public Path dir() {
        return dir;
    }

    /** Writes {@link #FILLER} until the file system is full. @return bytes written */
    public long fill() throws IOException {
        byte[] page = new byte[4096];
        long written = 0;
        try (OutputStream o = Files.newOutputStream(dir.resolve(FILLER), StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            while (true) {
                o.write(page);
                o.flush();
                written += page.length;
            }
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left on device")) {
                throw e;
            }
        }
        return written;
    }

    /** Deletes the filler: space returns. */
    public void free() throws IOException {
        Files.deleteIfExists(dir.resolve(FILLER));
    }

    /** Remounts with a new size (growing a full file system gives space back without deleting anything). */
    public void resize(long sizeKb) throws IOException, InterruptedException {
        String out = run(List.of("mount", "-o", "remount,size=" + sizeKb + "k", dir.toString()));
        if (out != null) {
            throw new IOException("remount of " + dir + " failed: " + out);
        }
    }

    /** Every name in the directory, hidden ones included (a leaked temp file would show here). */
    public static List<String> allNames(Path d) throws IOException {
        try (var s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        String out = run(List.of("umount", "-l", dir.toString()));
        if (out != null) {
            throw new IOException("umount of " + dir + " failed: " + out);
        }
    }

    /** @return null on success, else the command's output and exit code */
    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            return e.getMessage();
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return String.join(" ", cmd) + " timed out";
        }
        return p.exitValue() == 0 ? null : String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out;
    }
}
