package reconciler.leases;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.apache.curator.test.InstanceSpec;

/** Helpers for tests on a real ZooKeeper ensemble (Curator's {@code TestingCluster}). */
public final class Ensembles {

    private Ensembles() {
    }

    /**
     * Whether the ensemble member at {@code spec} says it is the leader ({@code srvr} four-letter
     * word, which needs {@code zookeeper.4lw.commands.whitelist}); false if it does not answer.
     */
    public static boolean isLeader(InstanceSpec spec) {
        try (Socket s = new Socket("127.0.0.1", spec.getPort())) {
            s.setSoTimeout(2000);
            PrintWriter w = new PrintWriter(s.getOutputStream(), true, StandardCharsets.US_ASCII);
            w.print("srvr");
            w.flush();
            BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("Mode: leader")) {
                    return true;
                }
            }
        } catch (Exception e) {
            return false;
        }
        return false;
    }
}
