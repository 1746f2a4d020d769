package reconciler.leases;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Who holds a lock node, as the holder wrote it into the node's data when it created the node:
 * enough for a daemon on the same host to prove, from the kernel's view, that the holder is dead
 * (see {@link LivenessProof}).
 *
 * <p>Data format (UTF-8, one line, fields in this order, single spaces):
 * <pre>reconciler-holder/1 boot=&lt;boot id&gt; pidns=&lt;pid namespace inode&gt; pid=&lt;pid&gt; start=&lt;start time&gt; session=&lt;hex&gt; lock=&lt;file&gt; host=&lt;name&gt;</pre>
 *
 * @param bootId      the kernel's boot id ({@code /proc/sys/kernel/random/boot_id}); a different
 *                    value means another host, or this host before a reboot
 * @param pidNamespace inode number of the holder's pid namespace ({@code readlink /proc/self/ns/pid})
 * @param pid         the holder's pid in that namespace
 * @param startTime   the holder's start time in clock ticks since boot ({@code /proc/<pid>/stat}
 *                    field 22); with the boot id and pid it names one process for the life of the host
 * @param sessionId   the ZooKeeper session that created the node
 * @param lockFile    file name (no directory) of the holder's local liveness lock under the
 *                    runtime directory, or {@code "-"} if it holds none
 * @param host        host name, for people (never used in a decision)
 */
public record HolderIdentity(String bootId, long pidNamespace, long pid, long startTime, long sessionId, String lockFile,
                             String host) {

    /** Magic and version of the data format. */
    public static final String MAGIC = "reconciler-holder/1";
    /** {@link #lockFile} when the holder holds no local lock. */
    public static final String NO_LOCK = "-";

    /** @throws IllegalArgumentException if a field is empty, contains whitespace, or a number is negative */
    public HolderIdentity {
        requireToken(bootId, "bootId");
        requireToken(lockFile, "lockFile");
        requireToken(host, "host");
        if (pidNamespace < 0 || pid <= 0 || startTime < 0) {
            throw new IllegalArgumentException("pidNamespace, pid and startTime must be positive: " + pidNamespace + ", " + pid
                    + ", " + startTime);
        }
        if (lockFile.contains("/") || lockFile.startsWith(".")) {
            throw new IllegalArgumentException("lockFile must be a plain file name: " + lockFile);
        }
    }

    /** @return whether the holder named a local lock */
    public boolean hasLockFile() {
        return !NO_LOCK.equals(lockFile);
    }

    /** @return this identity with another ZooKeeper session id */
    public HolderIdentity withSession(long session) {
        return new HolderIdentity(bootId, pidNamespace, pid, startTime, session, lockFile, host);
    }

    /** @return the node data: {@link #MAGIC} and the fields, UTF-8 */
    public byte[] encode() {
        return (MAGIC + " boot=" + bootId + " pidns=" + pidNamespace + " pid=" + pid + " start=" + startTime + " session="
                + Long.toHexString(sessionId) + " lock=" + lockFile + " host=" + host).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Parses node data strictly.
     *
     * @param data node data, possibly null (lock nodes of older writers carry an IP address or nothing)
     * @return the identity, or empty if the data is not exactly this format (any doubt: nothing is
     *         ever broken on data that does not parse)
     */
    public static Optional<HolderIdentity> decode(byte[] data) {
        if (data == null || data.length == 0 || data.length > 1024) {
            return Optional.empty();
        }
        String[] parts = new String(data, StandardCharsets.UTF_8).split(" ", -1);
        String[] keys = {"boot", "pidns", "pid", "start", "session", "lock", "host"};
        if (parts.length != keys.length + 1 || !MAGIC.equals(parts[0])) {
            return Optional.empty();
        }
        Map<String, String> v = new LinkedHashMap<>();
        for (int i = 0; i < keys.length; i++) {
            String p = parts[i + 1];
            if (!p.startsWith(keys[i] + "=") || p.length() == keys[i].length() + 1) {
                return Optional.empty();
            }
            v.put(keys[i], p.substring(keys[i].length() + 1));
        }
        try {
            return Optional.of(new HolderIdentity(v.get("boot"), Long.parseLong(v.get("pidns")), Long.parseLong(v.get("pid")),
                    Long.parseLong(v.get("start")), Long.parseUnsignedLong(v.get("session"), 16), v.get("lock"), v.get("host")));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static void requireToken(String s, String what) {
        Objects.requireNonNull(s, what);
        if (s.isEmpty() || s.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException(what + " must be non-empty without whitespace: '" + s + "'");
        }
    }
}
