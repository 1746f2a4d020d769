package com.example.social;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reconciler.leases.EmbeddedZooKeeper;

/** The README's example runs as written against a real ZooKeeper server and real Lance tables. */
class SocialGraphTest {

    @Test
    void theExampleWritesAndReadsItsGraph(@TempDir Path dir) throws Exception {
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir.resolve("zk"), 0, 100)) {
            List<String> seen = SocialGraph.run(dir.resolve("social").toString(), zk.connectString());
            assertEquals(List.of("Ada in London", "Grace in New York"), seen.stream().sorted().toList());
        }
    }
}
