package reconciler.maintenance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MaintenanceRegistryTest {

    /** A kind that does nothing but say so; for registry tests only. */
    static final class Named implements MaintenanceKind {
        private final String name;

        Named(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String description() {
            return "test kind " + name;
        }

        @Override
        public MaintenanceResult run(MaintenanceContext context) {
            return new MaintenanceResult("ran " + name, java.util.Map.of());
        }
    }

    /** A provider found through ServiceLoader (see the test's services file). */
    public static final class TestProvider implements MaintenanceProvider {
        @Override
        public List<MaintenanceKind> kinds(MaintenanceHost host) {
            return List.of(new Named("test-one"), new Named("test-two"));
        }

        @Override
        public List<MaintenanceStateContributor> stateContributors(MaintenanceHost host) {
            return List.of(() -> "test-indexer");
        }
    }

    /** A provider that fails: none of its kinds may be advertised. */
    public static final class BrokenProvider implements MaintenanceProvider {
        @Override
        public List<MaintenanceKind> kinds(MaintenanceHost host) {
            throw new IllegalStateException("catalog unreadable");
        }
    }

    @Test
    void onlyRegisteredKindsAreAdvertisedAndOthersAreATypedError() throws Exception {
        MaintenanceRegistry r = new MaintenanceRegistry();
        r.register(new RecoverKind());
        assertEquals(List.of("recover"), r.names());
        UnsupportedMaintenanceKindException e = assertThrows(UnsupportedMaintenanceKindException.class, () -> r.require("reindex"));
        assertEquals("reindex", e.kind());
        assertEquals(List.of("recover"), e.advertised());
        assertTrue(e.getMessage().contains("reserved name"), e.getMessage());
        assertThrows(UnsupportedMaintenanceKindException.class, () -> r.require(null));
        r.register(new Named("compact"));
        assertEquals(List.of("compact", "recover"), r.names(), "sorted");
        assertEquals("compact", r.require("compact").name());
        assertTrue(r.unregister("compact"));
        assertEquals(List.of("recover"), r.names());
    }

    @Test
    void badOrDuplicateNamesAreRefused() {
        MaintenanceRegistry r = new MaintenanceRegistry();
        r.register(new Named("recover"));
        assertThrows(IllegalArgumentException.class, () -> r.register(new Named("recover")));
        for (String bad : new String[] {"", "Reindex", "re index", "1x", "a".repeat(65), "x.y"}) {
            assertThrows(IllegalArgumentException.class, () -> r.register(new Named(bad)), bad);
        }
        assertEquals(List.of("recover"), r.names());
    }

    @Test
    void providersOnTheClassPathRegisterTheirKindsAndBrokenOnesAdvertiseNothing(@TempDir Path dir) throws Exception {
        Path services = dir.resolve("META-INF/services");
        Files.createDirectories(services);
        Files.writeString(services.resolve(MaintenanceProvider.class.getName()),
                "# test providers\n" + TestProvider.class.getName() + "\n" + BrokenProvider.class.getName() + "\n");
        MaintenanceRegistry r = new MaintenanceRegistry();
        try (URLClassLoader cl = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            List<String> added = r.loadProviders(cl, null);
            assertTrue(added.containsAll(List.of("test-one", "test-two")), added.toString());
            assertTrue(added.containsAll(List.of("reindex", "compact", "cleanup")), "the indexer's provider on the class path: " + added);
        }
        assertTrue(r.names().containsAll(List.of("test-one", "test-two")));
        assertTrue(r.contributors().stream().anyMatch(c -> c.name().equals("test-indexer")));
    }
}
