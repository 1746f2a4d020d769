package reconciler.leases;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The znode layout is pure: paths, encoding, and parsing back what it built. */
class LeasePathsTest {

    @Test
    void buildsTheDocumentedLayout() {
        assertEquals("/graphs/g", LeasePaths.graphPath("g"));
        assertEquals("/graphs/g/changes", LeasePaths.changesPath("g"));
        assertEquals("/graphs/g/owner", LeasePaths.ownerPath("g"));
        assertEquals("/daemons/h%3A1%3Aid", LeasePaths.memberPath("h:1:id"));
        assertEquals("/graphs/g/leases/node%3APackage@main", LeasePaths.leaseBasePath("g", "node:Package", "main"));
        assertEquals("/graphs/g/leases/node%3APackage@main/lock", LeasePaths.lockDir("g", "node:Package", "main"));
        assertEquals("/graphs/g/leases/node%3APackage@main/fence", LeasePaths.fencePath("g", "node:Package", "main"));
    }

    @Test
    void encodesEverySegmentSoOddIdsStayOneSegment() {
        assertEquals("a%2Fb%40c", LeasePaths.encodeSegment("a/b@c"));
        assertEquals("%2E", LeasePaths.encodeSegment("."));
        assertEquals("%2E%2E", LeasePaths.encodeSegment(".."));
        for (String s : new String[] {"a/b@c", ".", "..", "node:Package", "ü ß", "x%y"}) {
            assertEquals(s, LeasePaths.decodeSegment(LeasePaths.encodeSegment(s)), s);
        }
    }

    @Test
    void parsesLockNodesBackIntoTheirLease() {
        String dir = LeasePaths.lockDir("we/ird@g", "node:A@b", "br@x");
        LeasePaths.LockNode n = LeasePaths.parseLockNode(dir + "/_c_1234-lock-0000000007").orElseThrow();
        assertEquals("we/ird@g", n.graphId());
        assertEquals("node:A@b", n.tableKey());
        assertEquals("br@x", n.branch());
        assertEquals(dir + "/_c_1234-lock-0000000007", n.lockNode());
        assertEquals(Optional.of("we/ird@g"), LeasePaths.graphOf(n.lockNode()));
    }

    @Test
    void refusesPathsThatAreNotLockNodes() {
        assertTrue(LeasePaths.parseLockNode(LeasePaths.lockDir("g", "t", "b")).isEmpty());
        assertTrue(LeasePaths.parseLockNode(LeasePaths.lockDir("g", "t", "b") + "/").isEmpty());
        assertTrue(LeasePaths.parseLockNode(LeasePaths.fencePath("g", "t", "b")).isEmpty());
        assertTrue(LeasePaths.parseLockNode(LeasePaths.changesPath("g")).isEmpty());
        assertTrue(LeasePaths.parseLockNode("/graphs/g/leases/nobranch/lock/n").isEmpty());
        assertTrue(LeasePaths.graphOf("/daemons/x").isEmpty());
    }
}
