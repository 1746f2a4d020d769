package reconciler.leases;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The holders whose leases this process broke lately ({@link DeadHolderBreaker}), so that the
 * recovery that follows can say which path freed the leases (audit records). Bounded: the last
 * {@value #MAX} holders. Thread-safe.
 */
public final class BrokenHolders {
    static final int MAX = 256;

    private final Map<String, String> reasons = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > MAX;
        }
    };

    /**
     * Records a broken lease.
     *
     * @param holder who held it
     * @param reason the proof, e.g. {@code lease broken: holder pid 4242 dead on this host}
     */
    public synchronized void note(HolderIdentity holder, String reason) {
        reasons.put(holder.host() + ":" + holder.pid(), reason);
    }

    /**
     * @param host the writer's host name as its sidecar records it
     * @param pid  the writer's pid as its sidecar records it
     * @return why a lease of that process was broken here, or empty (its leases went by release or session expiry)
     */
    public synchronized Optional<String> reason(String host, long pid) {
        return Optional.ofNullable(reasons.get(host + ":" + pid));
    }
}
