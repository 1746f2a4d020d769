package reconciler.graph;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class FailpointsTest {

    @Test
    void theArmedOperationIsTheKthStartedEvenWhenOthersStartOnOtherThreadsBeforeItReachesThePoint() throws Exception {
        Failpoints f = new Failpoints("recovery-after-restore", 1);
        f.operationStarted(); // operation 1, on this thread
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean otherArmed = new AtomicBoolean(true);
        Thread other = new Thread(() -> {
            f.operationStarted(); // operation 2, on another thread, before operation 1 reaches its failpoint
            otherArmed.set(f.armed("recovery-after-restore"));
            started.countDown();
        });
        other.start();
        started.await();
        other.join();
        assertTrue(f.armed("recovery-after-restore"), "operation 1 still halts at its failpoint");
        assertFalse(f.armed("recovery-after-publish"), "only the named point");
        assertFalse(otherArmed.get(), "operation 2 does not");
    }

    @Test
    void nothingIsArmedOnAThreadThatStartedNoOperation() {
        Failpoints f = new Failpoints("after-sidecar", 1);
        assertFalse(f.armed("after-sidecar"));
        f.operationStarted();
        assertTrue(f.armed("after-sidecar"));
        assertFalse(Failpoints.none().armed("after-sidecar"));
    }
}
