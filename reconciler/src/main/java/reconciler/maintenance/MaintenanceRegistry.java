package reconciler.maintenance;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The maintenance kinds this daemon implements. Only registered kinds are advertised; a request
 * for any other name fails with {@link UnsupportedMaintenanceKindException}. Thread-safe.
 */
public final class MaintenanceRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(MaintenanceRegistry.class);
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,63}");

    private final Map<String, MaintenanceKind> kinds = new ConcurrentSkipListMap<>();
    private final List<MaintenanceStateContributor> contributors = new CopyOnWriteArrayList<>();

    /**
     * Registers a kind; from now on it is advertised.
     *
     * @throws IllegalArgumentException on a bad name, or a name that is already registered
     */
    public void register(MaintenanceKind kind) {
        String name = kind.name();
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("maintenance kind name '" + name + "' must match " + NAME.pattern());
        }
        if (name.equals("pause") || name.equals("resume")) {
            throw new IllegalArgumentException("maintenance kind name '" + name + "' is taken by POST /v1/graphs/{graph}/maintenance/" + name);
        }
        if (kind.description() == null || kind.description().isBlank()) {
            throw new IllegalArgumentException("maintenance kind '" + name + "' needs a description");
        }
        if (kinds.putIfAbsent(name, kind) != null) {
            throw new IllegalArgumentException("maintenance kind '" + name + "' is already registered (by "
                    + kinds.get(name).getClass().getName() + ")");
        }
        LOG.info("maintenance kind '{}' registered ({}){}", name, kind.getClass().getName(),
                MaintenanceKind.RESERVED.containsKey(name) ? ": reserved name, meaning '" + MaintenanceKind.RESERVED.get(name) + "'" : "");
    }

    /** Removes a kind; it is no longer advertised. @return whether it was registered */
    public boolean unregister(String name) {
        return kinds.remove(name) != null;
    }

    /** Adds a maintenance-state contributor (declared index coverage, compaction, backlog). */
    public void addContributor(MaintenanceStateContributor contributor) {
        contributors.add(contributor);
        LOG.info("maintenance state contributor '{}' registered ({})", contributor.name(), contributor.getClass().getName());
    }

    /** The contributors, in registration order. */
    public List<MaintenanceStateContributor> contributors() {
        return List.copyOf(contributors);
    }

    /** The advertised kinds, sorted by name. */
    public List<MaintenanceKind> advertised() {
        return List.copyOf(kinds.values());
    }

    /** The advertised names, sorted. */
    public List<String> names() {
        return List.copyOf(kinds.keySet());
    }

    /** The kind of that name, if advertised. */
    public Optional<MaintenanceKind> find(String name) {
        return name == null ? Optional.empty() : Optional.ofNullable(kinds.get(name));
    }

    /** The kind of that name. @throws UnsupportedMaintenanceKindException if it is not advertised */
    public MaintenanceKind require(String name) throws UnsupportedMaintenanceKindException {
        MaintenanceKind k = name == null ? null : kinds.get(name);
        if (k == null) {
            throw new UnsupportedMaintenanceKindException(name, names());
        }
        return k;
    }

    /**
     * Loads every {@link MaintenanceProvider} visible to {@code loader} and registers its kinds and
     * contributors. A provider that fails is logged and skipped.
     *
     * @return the names of the kinds registered
     */
    public List<String> loadProviders(ClassLoader loader, MaintenanceHost host) {
        List<String> added = new ArrayList<>();
        ServiceLoader<MaintenanceProvider> sl = ServiceLoader.load(MaintenanceProvider.class, loader);
        var it = sl.iterator();
        while (true) {
            MaintenanceProvider p;
            try {
                if (!it.hasNext()) {
                    break;
                }
                p = it.next();
            } catch (java.util.ServiceConfigurationError e) {
                LOG.error("maintenance provider skipped: {}", e.toString());
                continue;
            }
            try {
                List<MaintenanceKind> ks = p.kinds(host);
                List<MaintenanceStateContributor> cs = p.stateContributors(host);
                for (MaintenanceKind k : ks == null ? List.<MaintenanceKind>of() : ks) {
                    register(k);
                    added.add(k.name());
                }
                for (MaintenanceStateContributor c : cs == null ? List.<MaintenanceStateContributor>of() : cs) {
                    addContributor(c);
                }
            } catch (RuntimeException | LinkageError e) {
                LOG.error("maintenance provider {} failed; none of its kinds is advertised: {}", p.getClass().getName(), e.toString());
            }
        }
        return added;
    }
}
