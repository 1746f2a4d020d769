package reconciler.leases;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Bounded polling: waits for a condition instead of sleeping a guessed amount. */
final class Await {
    private Await() {
    }

    static void until(BooleanSupplier condition, Duration max, String what) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + max + " waiting for: " + what);
            }
            Thread.sleep(10);
        }
    }
}
