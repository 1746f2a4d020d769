package reconciler.leases;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.UUID;

/**
 * A kernel-released local lock: a holder of a lease keeps an exclusive {@code fcntl} lock
 * ({@link FileChannel#lock}) on its own file {@code <runtimeDir>/<uuid>.lock} while it holds the
 * lease. The kernel drops the lock the moment the process dies, however it dies (SIGKILL, OOM
 * kill, {@code Runtime.halt}). A daemon on the same host waits for it with a blocking
 * <em>shared</em> lock on the same file ({@link #awaitRelease}): no polling, woken by the kernel.
 *
 * <p>The file is created {@code rw-r-----}: the daemon needs only read access (a shared lock),
 * so a group shared by writers and the daemon is enough. The holder unlinks the file before
 * unlocking it on release, so a daemon that opens it later finds nothing to wait for.
 */
public final class LocalLivenessLock implements AutoCloseable {

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private LocalLivenessLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Creates and locks a new lock file.
     *
     * @param runtimeDir directory shared with the daemon (created if missing)
     * @return the held lock; close it after the lease's lock node is deleted
     * @throws IOException if the directory or file cannot be created or locked
     */
    public static LocalLivenessLock hold(Path runtimeDir) throws IOException {
        Files.createDirectories(runtimeDir);
        Path file = runtimeDir.resolve(UUID.randomUUID() + ".lock");
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
        try {
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: default permissions
            }
            FileLock l = ch.tryLock();
            if (l == null) {
                throw new IOException("a fresh lock file is locked by someone else: " + file);
            }
            return new LocalLivenessLock(file, ch, l);
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /** @return the lock file's name (no directory), as recorded in {@link HolderIdentity#lockFile()} */
    public String fileName() {
        return file.getFileName().toString();
    }

    /** Unlinks the file, then releases the lock. Idempotent; never throws. */
    @Override
    public void close() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a stale file is harmless: nobody holds its lock
        }
        try {
            if (lock.isValid()) {
                lock.release();
            }
            channel.close();
        } catch (IOException e) {
            // closing the channel releases the lock anyway
        }
    }

    /**
     * Blocks until the holder of {@code <runtimeDir>/<fileName>} has released its lock (or died),
     * then returns with a shared lock held. Interruptible: interrupting the waiting thread closes
     * the channel and throws.
     *
     * @param runtimeDir the directory
     * @param fileName   a file name as recorded by the holder
     * @return the shared lock (close its channel to release), or empty if the file does not exist
     *         (the holder released the lease, or never had a file)
     * @throws IOException if the file cannot be opened or locked (including an interrupt:
     *                     {@link java.nio.channels.FileLockInterruptionException})
     */
    public static Optional<FileLock> awaitRelease(Path runtimeDir, String fileName) throws IOException {
        if (fileName.contains("/") || fileName.startsWith(".")) {
            throw new IllegalArgumentException("not a plain file name: " + fileName);
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(runtimeDir.resolve(fileName), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try {
            return Optional.of(ch.lock(0, Long.MAX_VALUE, true));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }
}
