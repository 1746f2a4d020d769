package reconciler.leases;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link LeaseSet#ensureTokensAbove}: a token at or below what the manifest records (the counters
 * restarted after ZooKeeper lost its data) is replaced by {@code max(counter, recorded) + 1},
 * issued like any other token (one transaction that checks the holder's lock node).
 */
final class TokenFloor {
    private static final Logger LOG = LoggerFactory.getLogger(TokenFloor.class);

    private TokenFloor() {
    }

    static List<String> raise(LeaseSet set, LeaseManager manager, Map<String, Long> recorded) throws LeaseException, InterruptedException {
        List<String> raised = new ArrayList<>();
        for (LeaseSet.Held h : set.heldSnapshot()) {
            Long floor = recorded.get(h.tableKey);
            long token = set.token(h);
            if (floor == null || token > floor) {
                continue;
            }
            set.checkValid();
            long next = manager.bumpFence(LeasePaths.fencePath(set.graphId(), h.tableKey, set.branch()), h.lockNode, set.graphId(),
                    h.tableKey, set.branch(), floor);
            set.setToken(h, next);
            raised.add(h.tableKey);
            LOG.warn("fencing token {} of table {} of graph '{}' branch '{}' was at or below the {} the manifest records "
                    + "(ZooKeeper lost its data or was restored from an older snapshot): raised to {}", token, h.tableKey, set.graphId(),
                    set.branch(), floor, next);
        }
        return raised;
    }
}
