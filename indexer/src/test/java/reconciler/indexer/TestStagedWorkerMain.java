package reconciler.indexer;

import java.io.PrintStream;

/** The low-priority child for the indexer's own tests (the daemon's is {@code reconciler.maintenance.StagedWorkerMain}). */
public final class TestStagedWorkerMain {
    private TestStagedWorkerMain() {
    }

    public static void main(String[] args) {
        PrintStream protocol = System.out;
        System.setOut(System.err);
        System.exit(StagedWork.serve(System.in, protocol));
    }
}
