package reconciler.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.github.f4b6a3.ulid.UlidCreator;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reconciler.manifest.Manifest;
import reconciler.manifest.TablePin;
import reconciler.storage.ColumnSpec;
import reconciler.storage.LocalGraphStore;

/** {@link SidecarStore#blocking}: the rule writers, the indexer, cleanup and catalog changes share. */
class SidecarBlockingTest {

    private static Manifest manifest(String... tables) {
        TreeMap<String, TablePin> pins = new TreeMap<>();
        for (String t : tables) {
            pins.put(t, new TablePin(1, 0, List.of(new ColumnSpec("name", "utf8"))));
        }
        return new Manifest(Manifest.FORMAT_VERSION, "graph-1", 7, 6, "op", "write", Instant.EPOCH, pins);
    }

    private static String write(SidecarStore sidecars, String table) throws Exception {
        String op = UlidCreator.getMonotonicUlid().toString();
        sidecars.write(new Sidecar(Sidecar.FORMAT_VERSION, op, "write", "graph-1", "main", 1, new Sidecar.WriterIdentity("host-a", 17),
                Instant.EPOCH, List.of(new Sidecar.SidecarTable(table, 1, 1))));
        return op;
    }

    @Test
    void aValidSidecarBlocksOnlyTheTablesItNames(@TempDir Path dir) throws Exception {
        SidecarStore sidecars = new SidecarStore(new LocalGraphStore(dir));
        Manifest m = manifest("node:A", "node:B");
        assertEquals(Optional.empty(), sidecars.blocking(m, List.of("node:A")), "no sidecar, nothing blocks");
        String op = write(sidecars, "node:B");
        assertEquals(Optional.empty(), sidecars.blocking(m, List.of("node:A")));
        SidecarEntry.Valid v = assertInstanceOf(SidecarEntry.Valid.class, sidecars.blocking(m, List.of("node:A", "node:B")).orElseThrow());
        assertEquals(op, v.sidecar().operationId());
    }

    @Test
    void aRefusedSidecarBlocksEveryTableAndComesFirst(@TempDir Path dir) throws Exception {
        SidecarStore sidecars = new SidecarStore(new LocalGraphStore(dir));
        Manifest m = manifest("node:A", "node:B");
        write(sidecars, "node:B");
        String bad = write(sidecars, "node:Nope"); // a table the manifest does not have: refused and kept
        SidecarEntry.Corrupt c = assertInstanceOf(SidecarEntry.Corrupt.class, sidecars.blocking(m, List.of("node:B")).orElseThrow(),
                "refused before the valid sidecar listed ahead of it");
        assertEquals(SidecarStore.key(bad), c.key());
        assertInstanceOf(SidecarEntry.Corrupt.class, sidecars.blocking(m, List.of("node:A")).orElseThrow());
    }
}
