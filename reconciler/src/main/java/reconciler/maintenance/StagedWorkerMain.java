package reconciler.maintenance;

import java.io.PrintStream;
import reconciler.indexer.LowPriorityWorker;
import reconciler.indexer.StagedWork;

/**
 * The child process of {@link LowPriorityWorker} (config key {@code indexerPriority: low}): reads
 * one staged build or compaction rewrite from stdin, does it, writes the result to stdout, exits.
 * Its stdout is the protocol, so everything else (logs) goes to stderr; it halts if the daemon
 * that started it dies (its work is staged, never committed, and cleanup removes the files).
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
        ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> Runtime.getRuntime().halt(3)));
        int rc = StagedWork.serve(System.in, protocol);
        protocol.flush();
        Runtime.getRuntime().halt(rc); // no shutdown hooks to wait for: the work is done or failed
    }
}
