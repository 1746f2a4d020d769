package reconciler.maintenance;

import java.io.PrintStream;
import reconciler.indexer.LowPriorityWorker;
import reconciler.indexer.StagedWork;

/**
 * The child process of {@link LowPriorityWorker} (config key {@code indexerPriority: low}): reads
 * one staged build or compaction rewrite from stdin, does it, writes the result to stdout, exits.
 * Its stdout is the protocol, so everything else (logs) goes to stderr; it exits if the daemon
 * that started it dies (its work is staged, never committed, and cleanup removes the files).
 * It exits normally so that the JVM deletes the native library lance-java unpacked for it.
 */
public final class StagedWorkerMain {
    private StagedWorkerMain() {
    }

    /**
     * Entry point of the child.
     *
     * @param args none
     */
    public static void main(String[] args) {
        PrintStream protocol = System.out;
        System.setOut(System.err);
        // System.exit, never halt: lance-java unpacks its 180 MB native library into java.io.tmpdir and deletes it on exit
        ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> System.exit(3)));
        int rc = StagedWork.serve(System.in, protocol);
        protocol.flush();
        System.exit(rc);
    }
}
