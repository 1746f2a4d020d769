package reconciler.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The pass scheduler's work queue on a fake clock: dedup, backoff growth and cap, reset on success. */
class WorkQueueTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final WorkQueue<String> q = new WorkQueue<>(Duration.ofMillis(200), Duration.ofSeconds(30), now::get);

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void addsOfAQueuedKeyAreCoalescedUntilItsPassStarts() {
        assertTrue(q.add("g"));
        assertFalse(q.add("g"), "waiting: coalesced");
        assertEquals("g", q.poll());
        assertNull(q.poll(), "one dispatch for two adds");
        assertFalse(q.add("g"), "dispatched, not started: coalesced");
        q.started("g");
        assertTrue(q.add("g"), "an event during the pass queues one more pass");
        assertEquals("g", q.poll());
    }

    @Test
    void keysAreIndependent() {
        assertTrue(q.add("a"));
        assertTrue(q.add("b"));
        assertFalse(q.add("a"));
        String first = q.poll();
        String second = q.poll();
        assertEquals(java.util.Set.of("a", "b"), java.util.Set.of(first, second));
        assertNull(q.poll());
    }

    @Test
    void backoffDoublesFrom200msUpTo30sPerKeyAndResetsOnSuccess() {
        long[] expectedMs = {200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000, 30000};
        for (long ms : expectedMs) {
            Duration d = q.addRateLimited("g");
            assertEquals(Duration.ofMillis(ms), d);
            advance(d.minusNanos(1));
            assertNull(q.poll(), "not due 1 ns before " + ms + " ms");
            assertEquals(1, q.nanosUntilNext());
            advance(Duration.ofNanos(1));
            assertEquals("g", q.poll(), "due after " + ms + " ms");
            q.started("g");
        }
        assertEquals(expectedMs.length, q.failures("g"));
        assertEquals(Duration.ofMillis(200), q.addRateLimited("other"), "another key has its own count");
        q.forget("g");
        assertEquals(0, q.failures("g"));
        assertEquals(Duration.ofMillis(200), q.addRateLimited("g"), "reset by a pass that needed no retry");
    }

    @Test
    void anEventPullsAWaitingRetryForwardAndIsNotDuplicated() {
        q.addRateLimited("g");
        q.addRateLimited("g");
        assertNull(q.poll());
        assertFalse(q.add("g"), "coalesced with the waiting retry");
        assertEquals(0, q.nanosUntilNext(), "but due now");
        assertEquals("g", q.poll());
        assertNull(q.poll());
        assertEquals(-1, q.nanosUntilNext(), "nothing waits");
    }

    @Test
    void aRetiredKeyIsDropped() {
        q.addRateLimited("g");
        q.remove("g");
        advance(Duration.ofMinutes(1));
        assertNull(q.poll());
        assertEquals(0, q.failures("g"));
    }

    @Test
    void takeReturnsNullAfterShutdown() throws Exception {
        q.shutdown();
        assertNull(q.take());
    }
}
