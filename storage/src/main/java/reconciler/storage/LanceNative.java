package reconciler.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the native libraries of lance-java and Arrow's C data interface and removes their
 * extracted copies from the temporary directory.
 *
 * <p>lance-java (through {@code io.questdb.jar.jni.JarJniLoader}) unpacks {@code liblance_jni.so}
 * (~175 MB) into {@code java.io.tmpdir} on every JVM start, and Arrow's {@code JniLoader} unpacks
 * {@code jnilib-*.tmp} (~40 kB); both rely on {@code deleteOnExit}, which never runs when the JVM
 * is killed (SIGKILL) or halted ({@code Runtime.halt}, our failpoints). A host whose writers crash
 * would fill its temporary directory, one copy per crash (measured here: 452 copies, 78 GB). Once the library
 * is mapped, Linux keeps the mapping valid after the file is unlinked, so this class unlinks it right
 * after loading: it finds the path in {@code /proc/self/maps} (this process's own copy, never
 * another's). Where {@code /proc/self/maps} is absent (not Linux) it only loads.
 */
public final class LanceNative {

    private static final Logger LOG = LoggerFactory.getLogger(LanceNative.class);
    private static volatile boolean done;

    private LanceNative() {
    }

    /**
     * Whether a file name is that of a copy lance-java ({@code liblance_jni*.so}) or Arrow
     * ({@code jnilib-*.tmp}) unpacks into the temporary directory.
     */
    public static boolean isExtractedCopy(String fileName) {
        return (fileName.contains("lance_jni") && fileName.endsWith(".so")) || (fileName.startsWith("jnilib-") && fileName.endsWith(".tmp"));
    }

    /**
     * Loads the native library once per JVM and unlinks this process's extracted copy.
     *
     * @return the paths unlinked by this call (empty on later calls, or when nothing was found)
     */
    public static List<Path> load() {
        if (done) { // the fast path of every Lance call: no lock once loaded
            return new ArrayList<>();
        }
        return loadOnce();
    }

    private static synchronized List<Path> loadOnce() {
        List<Path> removed = new ArrayList<>();
        if (done) {
            return removed;
        }
        org.lance.JniLoader.ensureLoaded();
        org.apache.arrow.c.jni.JniLoader.get().ensureLoaded();
        done = true; // only now may other threads skip the lock
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return removed;
        }
        Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize();
        try {
            for (String line : Files.readAllLines(maps)) {
                int slash = line.indexOf('/');
                if (slash < 0) {
                    continue;
                }
                String file = line.substring(slash);
                if (!isExtractedCopy(file.substring(file.lastIndexOf('/') + 1))) {
                    continue; // " (deleted)" mappings and other libraries
                }
                Path p = Path.of(file);
                if (p.getParent() != null && p.getParent().toAbsolutePath().normalize().equals(tmp) && !removed.contains(p)
                        && Files.deleteIfExists(p)) {
                    removed.add(p);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not remove the extracted native libraries from {}: {}", tmp, e.toString());
        }
        return removed;
    }
}
