package reconciler.leases;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A lease holder in its own JVM for {@link DeadHolderBreakerTest}: takes one lease with the local
 * liveness lock, prints {@code HELD <lock node>}, then holds it until stdin closes (or it is killed).
 * Args: connect string, session timeout ms, runtime dir, graph, table.
 */
public final class HolderMain {
    private HolderMain() {
    }

    public static void main(String[] a) throws Exception {
        LeaseManager m = new LeaseManager(a[0], Duration.ofMillis(Long.parseLong(a[1])), Duration.ofSeconds(20));
        if (!m.enableLiveness(Path.of(a[2]))) {
            System.out.println("NO-LIVENESS");
        }
        LeaseSet s = m.acquire(a[3], "main", List.of(a[4]), Duration.ofSeconds(30));
        System.out.println("HELD " + s.fencingToken(a[4]));
        System.out.flush();
        while (System.in.read() >= 0) {
            // hold until stdin closes
        }
        s.close();
        m.close();
        System.out.println("RELEASED");
    }
}
