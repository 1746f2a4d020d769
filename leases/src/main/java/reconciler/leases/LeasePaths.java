package reconciler.leases;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * The znode layout, in one place. Pure: no I/O. Every path is inside the Curator namespace
 * {@value #NAMESPACE} (after any chroot of the connect string):
 * <pre>
 * /graphs/&lt;graph&gt;/leases/&lt;table&gt;@&lt;branch&gt;/lock/&lt;lock node&gt;  a lease's mutex (Curator lock nodes)
 * /graphs/&lt;graph&gt;/leases/&lt;table&gt;@&lt;branch&gt;/fence              the lease's fencing counter
 * /graphs/&lt;graph&gt;/changes                                    the graph's change signal
 * /graphs/&lt;graph&gt;/owner                                      the daemon owning the graph
 * /daemons/&lt;member&gt;                                          live daemons
 * </pre>
 * Each segment is URL-encoded (UTF-8), so ids may contain any character including {@code '/'} and
 * {@code '@'}; the segments {@code "."} and {@code ".."} are encoded as {@code %2E}.
 */
public final class LeasePaths {

    /** Curator namespace (chroot) of every path. */
    public static final String NAMESPACE = "reconciler";

    private LeasePaths() {
    }

    /**
     * Where a lock node lives: the lease it belongs to.
     *
     * @param graphId  graph id (decoded)
     * @param tableKey table key (decoded)
     * @param branch   branch (decoded)
     * @param lockNode the lock node's full path inside the namespace
     */
    public record LockNode(String graphId, String tableKey, String branch, String lockNode) {
    }

    /**
     * @param graphId any non-empty string
     * @return {@code /graphs/<graph>}
     */
    public static String graphPath(String graphId) {
        return "/graphs/" + encodeSegment(graphId);
    }

    /** @return {@code /graphs/<graph>/changes}, the change signal of a graph */
    public static String changesPath(String graphId) {
        return graphPath(graphId) + "/changes";
    }

    /** @return {@code /graphs/<graph>/owner}, the ephemeral owner node of a graph */
    public static String ownerPath(String graphId) {
        return graphPath(graphId) + "/owner";
    }

    /** @return {@code /daemons/<member>} */
    public static String memberPath(String memberId) {
        return "/daemons/" + encodeSegment(memberId);
    }

    /** @return {@code /graphs/<graph>/leases/<table>@<branch>}, the directory of one lease */
    public static String leaseBasePath(String graphId, String tableKey, String branch) {
        return graphPath(graphId) + "/leases/" + encodeSegment(tableKey) + "@" + encodeSegment(branch);
    }

    /** @return the mutex directory of one lease (its lock nodes are children) */
    public static String lockDir(String graphId, String tableKey, String branch) {
        return leaseBasePath(graphId, tableKey, branch) + "/lock";
    }

    /** @return the fencing counter of one lease */
    public static String fencePath(String graphId, String tableKey, String branch) {
        return leaseBasePath(graphId, tableKey, branch) + "/fence";
    }

    /**
     * Parses a lock node path made by the layout.
     *
     * @param path a path inside the namespace
     * @return the lease it belongs to, or empty if it is not a lock node path
     */
    public static Optional<LockNode> parseLockNode(String path) {
        Objects.requireNonNull(path, "path");
        String[] p = path.split("/", -1);
        // "", graphs, <g>, leases, <table>@<branch>, lock, <node>
        if (p.length != 7 || !p[0].isEmpty() || !"graphs".equals(p[1]) || !"leases".equals(p[3]) || !"lock".equals(p[5])
                || p[6].isEmpty()) {
            return Optional.empty();
        }
        int at = p[4].lastIndexOf('@'); // '@' inside a segment is encoded, so the raw one is the separator
        if (at <= 0 || at == p[4].length() - 1) {
            return Optional.empty();
        }
        return Optional.of(new LockNode(decodeSegment(p[2]), decodeSegment(p[4].substring(0, at)),
                decodeSegment(p[4].substring(at + 1)), path));
    }

    /**
     * The graph id of any path under {@code /graphs/<graph>/...}.
     *
     * @return the decoded graph id, or empty
     */
    public static Optional<String> graphOf(String path) {
        String[] p = path.split("/");
        if (p.length < 3 || !"graphs".equals(p[1])) {
            return Optional.empty();
        }
        return Optional.of(decodeSegment(p[2]));
    }

    /** URL-encodes one path component so that it is a single valid ZooKeeper path segment. */
    public static String encodeSegment(String s) {
        String e = URLEncoder.encode(s, StandardCharsets.UTF_8);
        if (e.equals(".") || e.equals("..")) {
            e = e.replace(".", "%2E");
        }
        return e;
    }

    /** Decodes a segment made by {@link #encodeSegment}. */
    public static String decodeSegment(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
