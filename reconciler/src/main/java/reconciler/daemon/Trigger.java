package reconciler.daemon;

/**
 * Why a pass runs. The label is the contract: metric {@code reconciler.passes.<label>} and the
 * {@code trigger} of the maintenance state's {@code lastPass} (docs/maintenance.md).
 */
enum Trigger {
    /** A ZooKeeper event, a takeover, a RECONNECTED, an index round's progress, or a backoff retry: no wait for busy leases. */
    WATCH("watch"),
    /** The safety poll: waits up to {@code leaseWait}. */
    POLL("poll"),
    /** {@code run --once}: waits up to {@code leaseWait}, ignores ownership. */
    ONCE("once"),
    /** A {@code recover} maintenance job: waits up to {@code leaseWait}, ignores ownership. */
    MAINTENANCE("maintenance");

    private final String label;

    Trigger(String label) {
        this.label = label;
    }

    /** {@code watch}, {@code poll}, {@code once} or {@code maintenance}. */
    String label() {
        return label;
    }

    /** The trigger of a label; {@link #POLL} for anything else (a Quartz trigger without data). */
    static Trigger of(Object label) {
        for (Trigger t : values()) {
            if (t.label.equals(label)) {
                return t;
            }
        }
        return POLL;
    }
}
