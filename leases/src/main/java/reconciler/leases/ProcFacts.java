package reconciler.leases;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What this host's kernel says, read from {@code /proc} (Linux only). The I/O shell around the
 * pure {@link LivenessProof}; the parsers are pure and package-visible for tests.
 */
public final class ProcFacts {

    private final Path proc;

    /** @param proc the proc file system root, normally {@code /proc} */
    public ProcFacts(Path proc) {
        this.proc = proc;
    }

    /** @return facts from {@code /proc} */
    public static ProcFacts system() {
        return new ProcFacts(Path.of("/proc"));
    }

    /**
     * The state of one process as this host's kernel reports it.
     *
     * @param present   whether {@code /proc/<pid>} exists
     * @param startTime start time in clock ticks since boot (field 22 of {@code /proc/<pid>/stat}), -1 if absent
     * @param exited    every thread of the process has exited (state Z or X: a zombie not yet reaped)
     */
    public record ProcessState(boolean present, long startTime, boolean exited) {
        /** A pid with no process. */
        public static final ProcessState ABSENT = new ProcessState(false, -1, true);
    }

    /** @return the boot id, or empty if unreadable (not Linux) */
    public Optional<String> bootId() {
        try {
            return Optional.of(Files.readString(proc.resolve("sys/kernel/random/boot_id"), StandardCharsets.US_ASCII).trim())
                    .filter(s -> !s.isEmpty());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** @return the inode of this process's pid namespace ({@code /proc/self/ns/pid -> pid:[N]}), or empty */
    public Optional<Long> ownPidNamespace() {
        try {
            return parseNamespaceLink(Files.readSymbolicLink(proc.resolve("self/ns/pid")).toString());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** @return the start time (clock ticks since boot) of this process ({@code /proc/self/stat}), or empty */
    public Optional<Long> ownStartTime() {
        try {
            return parseStat(Files.readString(proc.resolve("self/stat"), StandardCharsets.UTF_8)).map(Stat::startTime);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether this {@code /proc} belongs to this process's pid namespace: {@code /proc/self/stat}
     * names our own pid. False e.g. after {@code unshare --pid} without a new {@code /proc} mount:
     * then {@code /proc/<pid>} describes another process and proves nothing.
     *
     * @return true if {@code /proc/self/stat}'s first field is {@link ProcessHandle#pid()}
     */
    public boolean matchesOwnPidNamespace() {
        try {
            String stat = Files.readString(proc.resolve("self/stat"), StandardCharsets.UTF_8);
            int sp = stat.indexOf(' ');
            return sp > 0 && Long.parseLong(stat.substring(0, sp)) == ProcessHandle.current().pid();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Whether {@code /proc} shows every process of the host: false when it is mounted with
     * {@code hidepid=1|2|invisible|noaccess} or {@code subset=pid} limits are in doubt (then an
     * absent pid proves nothing).
     *
     * @return true only if {@code /proc/self/mountinfo} was read and shows no hidepid option on {@code /proc}
     */
    public boolean showsAllProcesses() {
        try {
            for (String line : Files.readAllLines(proc.resolve("self/mountinfo"), StandardCharsets.UTF_8)) {
                String[] f = line.split(" ");
                if (f.length > 4 && "/proc".equals(f[4]) && line.contains(" - proc ")) {
                    return !line.contains("hidepid=") || line.contains("hidepid=0") || line.contains("hidepid=off");
                }
            }
            return false;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * @param pid a pid in this process's pid namespace
     * @return its state; empty if {@code /proc} could not be read for another reason than absence
     */
    public Optional<ProcessState> state(long pid) {
        Path dir = proc.resolve(Long.toString(pid));
        try {
            String stat = Files.readString(dir.resolve("stat"), StandardCharsets.UTF_8);
            Optional<Stat> s = parseStat(stat);
            if (s.isEmpty()) {
                return Optional.empty();
            }
            boolean exited = isExited(s.get().state()) && allTasksExited(dir);
            return Optional.of(new ProcessState(true, s.get().startTime(), exited));
        } catch (NoSuchFileException e) {
            return Optional.of(ProcessState.ABSENT);
        } catch (IOException | RuntimeException e) {
            // ESRCH while reading a process that is exiting shows up as an IOException: say nothing
            return Files.exists(dir) ? Optional.empty() : Optional.of(ProcessState.ABSENT);
        }
    }

    private static boolean allTasksExited(Path dir) throws IOException {
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(dir.resolve("task"))) {
            for (Path t : tasks) {
                try {
                    Optional<Stat> ts = parseStat(Files.readString(t.resolve("stat"), StandardCharsets.UTF_8));
                    if (ts.isEmpty() || !isExited(ts.get().state())) {
                        return false;
                    }
                } catch (NoSuchFileException gone) {
                    // that thread is gone
                }
            }
        }
        return true;
    }

    private static boolean isExited(char state) {
        return state == 'Z' || state == 'X' || state == 'x';
    }

    /** Fields of {@code /proc/<pid>/stat} used here. */
    record Stat(char state, long startTime) {
    }

    /**
     * Parses {@code /proc/<pid>/stat}: the command name (field 2) is in parentheses and may contain
     * spaces and parentheses, so fields are counted after the <em>last</em> {@code ')'}; field 3 is
     * the state, field 22 the start time.
     */
    static Optional<Stat> parseStat(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 > stat.length()) {
            return Optional.empty();
        }
        String[] f = stat.substring(close + 2).trim().split(" ");
        // f[0] is field 3 (state), so field 22 is f[19]
        if (f.length < 20 || f[0].length() != 1) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Stat(f[0].charAt(0), Long.parseLong(f[19])));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Parses {@code pid:[4026531836]}. */
    static Optional<Long> parseNamespaceLink(String link) {
        if (!link.startsWith("pid:[") || !link.endsWith("]")) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseLong(link.substring(5, link.length() - 1)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
