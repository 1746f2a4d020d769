package reconciler.cli;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.commons.io.input.Tailer;
import org.apache.commons.io.input.TailerListenerAdapter;

/**
 * {@code audit --follow}: follows the local audit log across logrotate's rotations (Commons IO
 * {@link Tailer}). Tailer notices a truncation ({@code copytruncate}) by the file getting shorter
 * than what it read; this {@link Tailer.Tailable} also reports a <em>replaced</em> file (logrotate's
 * default {@code create}: rename, then a new file at the path) as a rotation by comparing the path's
 * file key (device and inode) with the file it has open, so the rest of the old file is read and
 * then the new one from its start, even when the new file is already longer than the old. A missing
 * file (between the rename and the create, or before the daemon's first record) is waited for.
 */
final class AuditTail implements Tailer.Tailable {

    private final Path path;
    private volatile Object openedKey;

    private AuditTail(Path path) {
        this.path = path;
    }

    /**
     * Follows {@code file} from its start until the thread is interrupted or {@code stop} is closed,
     * calling {@code lines} with every complete line (in order; a line still being written is
     * delivered once its newline is) and {@code notices} with one human line on a rotation.
     *
     * @return the Tailer, not started: run it on the calling thread ({@link Tailer#run()}) or another
     */
    static Tailer follow(Path file, Duration poll, Consumer<String> lines, Consumer<String> notices) throws IOException {
        AuditTail tailable = new AuditTail(file);
        return Tailer.builder().setTailable(tailable).setStartThread(false).setTailFromEnd(false).setReOpen(false)
                .setCharset(StandardCharsets.UTF_8).setDelayDuration(poll).setTailerListener(new TailerListenerAdapter() {
                    private boolean waiting;

                    @Override
                    public void handle(String line) {
                        waiting = false;
                        lines.accept(line);
                    }

                    @Override
                    public void fileRotated() {
                        if (!waiting) {
                            notices.accept("audit log " + file + " was rotated or truncated: following the new file");
                        }
                    }

                    @Override
                    public void fileNotFound() {
                        waiting = true;
                    }

                    @Override
                    public void handle(Exception e) {
                        notices.accept("audit log " + file + ": " + e.getMessage());
                    }
                }).get();
    }

    @Override
    public Tailer.RandomAccessResourceBridge getRandomAccess(String mode) throws FileNotFoundException {
        for (int attempt = 0; ; attempt++) {
            Object before = key();
            RandomAccessFile raf = new RandomAccessFile(path.toFile(), mode);
            Object after = key();
            if (before != null && before.equals(after) || attempt >= 10) {
                openedKey = after;
                return new Bridge(raf);
            }
            try {
                raf.close(); // replaced while we opened it: open the file that is there now
            } catch (IOException ignored) {
                // read-only handle
            }
        }
    }

    /** The path's size, or -1 (read as "rotated") when it is missing or is not the file we have open. */
    @Override
    public long size() throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
            return Objects.equals(a.fileKey(), openedKey) ? a.size() : -1;
        } catch (NoSuchFileException e) {
            return -1;
        }
    }

    @Override
    public boolean isNewer(FileTime fileTime) throws IOException {
        return lastModifiedFileTime().compareTo(fileTime) > 0;
    }

    @Override
    public FileTime lastModifiedFileTime() throws IOException {
        try {
            return Files.getLastModifiedTime(path);
        } catch (NoSuchFileException e) {
            return FileTime.fromMillis(0);
        }
    }

    private Object key() {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    private record Bridge(RandomAccessFile raf) implements Tailer.RandomAccessResourceBridge {
        @Override
        public long getPointer() throws IOException {
            return raf.getFilePointer();
        }

        @Override
        public int read(byte[] b) throws IOException {
            return raf.read(b);
        }

        @Override
        public void seek(long pos) throws IOException {
            raf.seek(pos);
        }

        @Override
        public void close() throws IOException {
            raf.close();
        }
    }
}
