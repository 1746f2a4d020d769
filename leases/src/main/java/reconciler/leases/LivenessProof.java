package reconciler.leases;

import java.util.Optional;

/**
 * The pure decision whether a lock node's holder is provably dead, from what the holder recorded
 * ({@link HolderIdentity}) and what this host's kernel says now. No I/O: {@link DeadHolderBreaker}
 * gathers the facts. Anything short of proof keeps the node (the session timeout stays the
 * fallback, fencing tokens the last guard).
 */
public final class LivenessProof {

    private LivenessProof() {
    }

    /**
     * This host, as the deciding process sees it.
     *
     * @param bootId            this host's boot id (empty: unknown)
     * @param pidNamespace      the decider's pid namespace inode (empty: unknown)
     * @param showsAllProcesses whether {@code /proc} shows every process (no {@code hidepid})
     */
    public record Host(Optional<String> bootId, Optional<Long> pidNamespace, boolean showsAllProcesses) {
    }

    /** The verdict. */
    public enum Verdict {
        /** The holder is dead: its lock node may be deleted. */
        DEAD,
        /**
         * The holder's process is still there (same pid, same start time, a thread not yet exited):
         * keep the node. Right after the kernel released a killed holder's lock its threads may
         * still be exiting, so the caller may look again briefly.
         */
        ALIVE,
        /** Not proven dead for any other reason (another host, unknown facts, lock held): keep the node. */
        KEEP
    }

    /**
     * A decision and why.
     *
     * @param verdict DEAD, ALIVE or KEEP
     * @param reason  one line, e.g. {@code holder pid 4242 dead on this host}
     */
    public record Decision(Verdict verdict, String reason) {
        /** @return whether the verdict is DEAD */
        public boolean dead() {
            return verdict == Verdict.DEAD;
        }
    }

    /**
     * Whether a holder runs where this host could prove its death at all (same boot, same pid
     * namespace, a local lock to wait on). Cheap pre-filter before waiting on the local lock.
     *
     * @return empty if the holder is local and has a lock file, else why not
     */
    public static Optional<String> notLocal(HolderIdentity holder, Host host) {
        if (host.bootId().isEmpty() || !host.bootId().get().equals(holder.bootId())) {
            return Optional.of("holder on another host (boot id " + holder.bootId() + ")");
        }
        if (host.pidNamespace().isEmpty() || host.pidNamespace().get() != holder.pidNamespace()) {
            return Optional.of("holder pid " + holder.pid() + " in another pid namespace (" + holder.pidNamespace() + ")");
        }
        if (!holder.hasLockFile()) {
            return Optional.of("holder pid " + holder.pid() + " holds no local lock");
        }
        return Optional.empty();
    }

    /**
     * Decides.
     *
     * @param holder          what the holder recorded in its lock node
     * @param host            this host
     * @param localLockHeld   whether the decider now holds the holder's local lock (the kernel
     *                        released the holder's; without it nothing is proven)
     * @param process         the kernel's state of {@code holder.pid()} now, or empty if it could not be read
     * @return DEAD only if the holder ran on this boot of this host in this pid namespace, its
     *         local lock was released, and its pid is gone, names a younger process, or has exited
     */
    public static Decision decide(HolderIdentity holder, Host host, boolean localLockHeld,
                                  Optional<ProcFacts.ProcessState> process) {
        Optional<String> remote = notLocal(holder, host);
        if (remote.isPresent()) {
            return keep(remote.get());
        }
        long pid = holder.pid();
        if (!localLockHeld) {
            return keep("holder pid " + pid + " still holds its local lock");
        }
        if (process.isEmpty()) {
            return keep("cannot read /proc/" + pid);
        }
        ProcFacts.ProcessState p = process.get();
        if (!p.present()) {
            if (!host.showsAllProcesses()) {
                return keep("holder pid " + pid + " not visible, but /proc hides processes (hidepid): no proof");
            }
            return new Decision(Verdict.DEAD, "holder pid " + pid + " dead on this host");
        }
        if (p.startTime() != holder.startTime()) {
            return new Decision(Verdict.DEAD, "holder pid " + pid + " dead on this host (pid reused: start time "
                    + p.startTime() + ", holder's " + holder.startTime() + ")");
        }
        if (p.exited()) {
            return new Decision(Verdict.DEAD, "holder pid " + pid + " dead on this host (exited, not yet reaped)");
        }
        return new Decision(Verdict.ALIVE, "holder pid " + pid + " alive");
    }

    private static Decision keep(String reason) {
        return new Decision(Verdict.KEEP, reason);
    }
}
