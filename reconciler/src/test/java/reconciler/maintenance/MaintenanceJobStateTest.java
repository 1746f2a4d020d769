package reconciler.maintenance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Job states keep their JSON strings (a contract) and the CLI reads them back as the enum. */
class MaintenanceJobStateTest {

    @Test
    void jsonStringsAreTheDocumentedOnesAndRoundTrip() {
        assertEquals(List.of("queued", "running", "succeeded", "failed", "cancelled"),
                List.of(MaintenanceJob.State.values()).stream().map(MaintenanceJob.State::json).toList());
        for (MaintenanceJob.State s : MaintenanceJob.State.values()) {
            assertEquals(Optional.of(s), MaintenanceJob.State.ofJson(s.json()));
        }
        assertEquals(Optional.empty(), MaintenanceJob.State.ofJson("paused"), "unknown: not finished, not failed");
        assertEquals(Optional.empty(), MaintenanceJob.State.ofJson("FAILED"), "JSON is lower case");
    }

    @Test
    void unsuccessfulIsFailedOrCancelled() {
        assertTrue(MaintenanceJob.State.FAILED.unsuccessful());
        assertTrue(MaintenanceJob.State.CANCELLED.unsuccessful());
        assertFalse(MaintenanceJob.State.SUCCEEDED.unsuccessful());
        assertFalse(MaintenanceJob.State.RUNNING.unsuccessful());
        assertFalse(MaintenanceJob.State.QUEUED.finished());
    }
}
