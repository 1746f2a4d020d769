package reconciler.leases;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Rendezvous assignment of graphs to daemons (pure; the ZooKeeper side is covered by HaDaemonsIT). */
class MembershipTest {

    static List<String> graphs(int n) {
        List<String> g = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            g.add("graph-" + i);
        }
        return g;
    }

    @Test
    void everyGraphGoesToExactlyOneLiveMemberDeterministically() {
        List<String> members = List.of("a:1:x", "b:2:y", "c:3:z");
        for (String g : graphs(500)) {
            Optional<String> m = Membership.assign(g, members);
            assertTrue(m.isPresent() && members.contains(m.get()));
            assertEquals(m, Membership.assign(g, List.of("c:3:z", "a:1:x", "b:2:y")), "order of the member list does not matter");
        }
        assertEquals(Optional.empty(), Membership.assign("g", List.of()));
    }

    @Test
    void aJoiningMemberTakesOnlyGraphsForItselfAndTheLoadSpreads() {
        List<String> before = List.of("a:1:x", "b:2:y", "c:3:z");
        List<String> after = List.of("a:1:x", "b:2:y", "c:3:z", "d:4:w");
        int moved = 0;
        int[] load = new int[4];
        for (String g : graphs(2000)) {
            String was = Membership.assign(g, before).orElseThrow();
            String now = Membership.assign(g, after).orElseThrow();
            if (!was.equals(now)) {
                assertEquals("d:4:w", now, "a graph only ever moves to the new member");
                moved++;
            }
            load[after.indexOf(now)]++;
        }
        assertTrue(moved > 300 && moved < 700, "about a quarter of the graphs move: " + moved);
        for (int l : load) {
            assertTrue(l > 350 && l < 650, "balanced load: " + java.util.Arrays.toString(load));
        }
    }
}
