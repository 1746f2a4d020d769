package reconciler.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A {@link GraphStore} on a local directory (POSIX file system with hard links).
 *
 * <p>{@link #createIfAbsent} writes a hidden temp file, fsyncs it, then hard-links it to the
 * key: {@code link(2)} fails if the target exists, so exactly one of racing creators wins and a
 * reader never sees a partial object. {@link #replace} is temp file + atomic rename. Parent
 * directories are fsynced after each change so an acknowledged write survives a power loss.
 * Temp files start with {@code .} and are never listed.
 */
public final class LocalGraphStore implements GraphStore {

    private final Path root;

    /** @param root the graph root directory; created on first write if missing */
    public LocalGraphStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The root directory. */
    public Path rootPath() {
        return root;
    }

    @Override
    public String root() {
        return root.toString();
    }

    private Path resolve(String key) {
        if (key.isEmpty() || key.startsWith("/") || key.contains("..") || key.contains("\\")) {
            throw new IllegalArgumentException("bad storage key '" + key + "'");
        }
        return root.resolve(key);
    }

    @Override
    public Optional<byte[]> read(String key) throws IOException {
        Path path = resolve(key);
        try {
            return Optional.of(Files.readAllBytes(path));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw failure("read", path, e);
        }
    }

    @Override
    public boolean createIfAbsent(String key, byte[] data) throws IOException {
        return viaTemp("create", resolve(key), data, (tmp, target) -> {
            try {
                Files.createLink(target, tmp);
                return true;
            } catch (FileAlreadyExistsException e) {
                return false;
            }
        });
    }

    @Override
    public void replace(String key, byte[] data) throws IOException {
        viaTemp("replace", resolve(key), data, (tmp, target) -> {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return true;
        });
    }

    /** Installs {@code tmp} (holding the new content, fsynced) as {@code target}: link or rename. */
    @FunctionalInterface
    private interface Install {
        boolean from(Path tmp, Path target) throws IOException;
    }

    /**
     * Writes {@code data} to a fsynced temporary file beside {@code target}, installs it, fsyncs the
     * directory if it was installed, and removes the temporary name. @return what {@code install} returned
     */
    private boolean viaTemp(String op, Path target, byte[] data, Install install) throws IOException {
        try {
            Path tmp = writeTemp(target, data);
            try {
                boolean installed = install.from(tmp, target);
                if (installed) {
                    fsyncDir(target.getParent()); // a lost create changed nothing: no directory to sync
                }
                return installed;
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw failure(op, target, e);
        }
    }

    @Override
    public boolean delete(String key) throws IOException {
        Path target = resolve(key);
        try {
            boolean existed = Files.deleteIfExists(target);
            if (existed) {
                fsyncDir(target.getParent());
            }
            return existed;
        } catch (IOException e) {
            throw failure("delete", target, e);
        }
    }

    /**
     * A storage error naming the operation, the path and why: {@link StorageFullException} for a
     * full disk, else a {@link StorageException}. (Java's own messages often omit the path, e.g. a
     * failed write says only "No space left on device", and an access error only the path.)
     */
    static StorageException failure(String op, Path path, IOException e) {
        if (e instanceof StorageException se) {
            return se;
        }
        String reason = e instanceof java.nio.file.FileSystemException f ? f.getReason() : e.getMessage();
        if (e instanceof java.nio.file.AccessDeniedException && reason == null) {
            reason = "permission denied";
        }
        if (reason == null) {
            reason = e.getClass().getSimpleName();
        }
        String where = e instanceof java.nio.file.FileSystemException f && f.getFile() != null && !f.getFile().equals(path.toString())
                ? " (at " + f.getFile() + ")" : "";
        String msg = "cannot " + op + " " + path + ": " + reason + where;
        if (isDiskFull(reason)) {
            return new StorageFullException(msg + " - the disk is full; nothing was written (temp file removed), retry once space is freed",
                    path.toString(), e);
        }
        return new StorageException(msg, e);
    }

    /** ENOSPC or EDQUOT, as the JDK reports them (strerror text; Java exposes no errno). */
    static boolean isDiskFull(String reason) {
        return reason.contains("No space left on device") || reason.contains("Disk quota exceeded");
    }

    @Override
    public List<String> list(String prefix) throws IOException {
        Path dir = resolve(prefix);
        if (!Files.isDirectory(dir)) {
            if (Files.exists(dir)) {
                // Nothing could ever be created under it: "empty" would hide a broken graph root.
                throw new PermanentStorageException("cannot list " + prefix + " under " + root + ": " + dir
                        + " is not a directory (the graph root's layout is broken: move that file away)", null);
            }
            return List.of();
        }
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!n.startsWith(".") && Files.isRegularFile(p)) {
                    names.add(n);
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        }
        Collections.sort(names);
        return names;
    }

    @Override
    public String tableUri(TableKey table) {
        return root.resolve("tables").resolve(table.pathSegment()).toString();
    }

    @Override
    public Map<String, String> storageOptions() {
        return Map.of();
    }

    private static Path writeTemp(Path target, byte[] data) throws IOException {
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(data);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        return tmp;
    }

    private static void fsyncDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some file systems refuse to open directories for sync; the rename/link is still atomic.
        }
    }
}
