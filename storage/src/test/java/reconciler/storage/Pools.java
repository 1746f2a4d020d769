package reconciler.storage;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/** Thread pools that tests make for races. */
public final class Pools {

    private Pools() {
    }

    /**
     * Stops {@code pool} if the test made one ({@code null}: nothing to stop): interrupts its tasks
     * and asserts it terminates within {@code seconds}.
     */
    public static void stop(ExecutorService pool, long seconds) throws InterruptedException {
        if (pool != null) {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(seconds, TimeUnit.SECONDS));
        }
    }
}
