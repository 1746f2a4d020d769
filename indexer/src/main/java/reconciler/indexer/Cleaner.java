package reconciler.indexer;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.arrow.memory.BufferAllocator;
import org.lance.Dataset;
import org.lance.Tag;
import org.lance.cleanup.CleanupPolicy;
import org.lance.cleanup.RemovalStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reconciler.leases.LeaseException;
import reconciler.leases.LeaseManager;
import reconciler.leases.LeaseSet;
import reconciler.leases.LeaseTimeoutException;
import reconciler.manifest.Manifest;
import reconciler.sidecar.SidecarEntry;
import reconciler.storage.TableKey;
import reconciler.graph.Graph;

/**
 * Pin-aware cleanup of old Lance versions (docs/indexes.md, "Cleanup").
 *
 * <p>Lance's {@code cleanupWithPolicy(beforeVersion)} removes every untagged version below the
 * given one. The retained set is arbitrary (the pins of the retained manifest versions), so every
 * retained pin below the latest pin is protected by a tag {@code reconciler-pin-<version>} first,
 * and the cleanup runs with {@code beforeVersion = latest pin} and
 * {@code errorIfTaggedOldVersions = false}: the latest pin, everything after it (HEAD, a writer's
 * in-flight commit) and every tagged version (ours and anybody else's) stay.
 */
final class Cleaner {

    private static final Logger LOG = LoggerFactory.getLogger(Cleaner.class);

    private Cleaner() {
    }

    /** The manifest versions whose pins are retained: the newest N, and any published within the retention age. */
    static List<Manifest> retained(Graph graph, MaintenanceOptions opts) throws IOException {
        Manifest latest = graph.manifests().require();
        Instant cutoff = Instant.now().minus(opts.retainAge());
        List<Manifest> out = new ArrayList<>();
        for (long v = latest.version(); v >= 1; v--) {
            Optional<Manifest> m = v == latest.version() ? Optional.of(latest) : graph.manifests().read(v);
            if (m.isEmpty()) {
                continue;
            }
            if (latest.version() - v < opts.retainManifestVersions() || !m.get().publishedAt().isBefore(cutoff)) {
                out.add(m.get());
            } else {
                break; // older versions were published earlier still
            }
        }
        return out;
    }

    static CleanupReport cleanup(Graph graph, LeaseManager leases, MaintenanceOptions opts, BufferAllocator allocator)
            throws IOException, InterruptedException {
        List<Manifest> retained = retained(graph, opts);
        Manifest latest = retained.get(0);
        List<CleanupReport.TableCleanup> tables = new ArrayList<>();
        List<Manifest> branchManifests = branchManifests(graph, latest);
        for (String table : latest.tables().keySet()) {
            TreeSet<Long> pins = new TreeSet<>();
            for (Manifest m : retained) {
                if (m.tables().containsKey(table)) {
                    pins.add(m.pin(table).version());
                }
            }
            for (Manifest b : branchManifests) { // a branch reads an unforked table on main's Lance branch at its pin
                if (b.tables().containsKey(table) && b.pin(table).lanceBranch() == null) {
                    pins.add(b.pin(table).version());
                }
            }
            tables.add(cleanTable(graph, leases, latest.graphId(), table, pins, opts, allocator));
        }
        return new CleanupReport(latest.graphId(), latest.version(), retained.stream().map(Manifest::version).sorted().toList(), tables);
    }

    /**
     * The manifests of every listed branch whose pins on main's Lance branch cleanup must keep: each branch's
     * first version (its fork point) and latest (docs/protocol.md "Branches").
     */
    static List<Manifest> branchManifests(Graph graph, Manifest main) throws IOException {
        List<Manifest> out = new ArrayList<>();
        for (String name : main.branches().keySet()) {
            Graph view = graph.onBranch(name);
            view.manifests().read(1).ifPresent(out::add);
            out.add(view.manifests().require());
        }
        return out;
    }

    private static final java.util.regex.Pattern ULID = java.util.regex.Pattern.compile("[0-9A-HJKMNP-TV-Z]{26}");

    /**
     * Deletes the Lance branches of {@code ds} that are forks of a graph branch incarnation main's list does not
     * hold ({@code <name>.<ULID>}, docs/protocol.md "Branches"): what a branch delete interrupted after its publish
     * left behind. Other Lance branches are never touched. Children before parents.
     *
     * @return how many were deleted
     */
    static int reclaimUnlistedForks(Dataset ds, Manifest main) {
        java.util.Map<String, String> parents = new java.util.HashMap<>();
        java.util.Set<String> stale = new java.util.HashSet<>();
        for (org.lance.Branch b : ds.branches().list()) {
            String n = b.getName();
            parents.put(n, b.getParentBranch().orElse(null));
            int dot = n.lastIndexOf('.');
            if (dot > 0 && ULID.matcher(n.substring(dot + 1)).matches()) {
                reconciler.manifest.BranchRecord live = main.branches().get(n.substring(0, dot));
                if (live == null || !live.id().equals(n.substring(dot + 1))) {
                    stale.add(n);
                }
            }
        }
        int deleted = 0;
        boolean progress = true;
        while (!stale.isEmpty() && progress) {
            progress = false;
            for (String n : List.copyOf(stale)) {
                if (parents.entrySet().stream().noneMatch(e -> n.equals(e.getValue()) && parents.containsKey(e.getKey()))) {
                    ds.branches().delete(n);
                    parents.remove(n);
                    stale.remove(n);
                    deleted++;
                    progress = true;
                }
            }
        }
        return deleted;
    }

    private static CleanupReport.TableCleanup cleanTable(Graph graph, LeaseManager leases, String graphId, String table, TreeSet<Long> pins,
                                                         MaintenanceOptions opts, BufferAllocator allocator) throws IOException, InterruptedException {
        List<Long> protectedVersions = List.copyOf(pins);
        try (LeaseSet lease = leases.acquire(graphId, Graph.MAIN_BRANCH, List.of(table), opts.leaseTimeout())) {
            Manifest m = graph.manifests().require();
            long latestPin = m.pin(table).version();
            pins.add(latestPin);
            Optional<SidecarEntry> blocking = graph.sidecars().blocking(m, List.of(table));
            if (blocking.isPresent()) {
                return skipped(table, protectedVersions, blocking.get() instanceof SidecarEntry.Corrupt c
                        ? "a corrupt sidecar exists (" + c.key() + ")" : "table is covered by pending sidecar " + blocking.get().key());
            }
            int created = 0;
            int deleted = 0;
            try (Dataset ds = LanceAccess.open(allocator, graph, TableKey.parse(table), null)) {
                int reclaimed = reclaimUnlistedForks(ds, m);
                for (org.lance.Branch b : ds.branches().list()) {
                    if (b.getParentBranch().isEmpty() && b.getParentVersion() <= latestPin) {
                        pins.add(b.getParentVersion()); // a Lance branch (a graph branch's fork) was made from this version of main
                    }
                }
                TreeSet<Long> tagged = new TreeSet<>();
                for (Tag t : ds.tags().list()) {
                    if (!t.getName().startsWith(IndexMaintenance.PIN_TAG_PREFIX)) {
                        continue;
                    }
                    if (pins.contains(t.getVersion()) && t.getVersion() < latestPin) {
                        tagged.add(t.getVersion());
                    } else {
                        ds.tags().delete(t.getName());
                        deleted++;
                    }
                }
                List<Long> lost = new ArrayList<>();
                for (long p : pins) {
                    if (p < latestPin && !tagged.contains(p)) {
                        try {
                            ds.tags().create(IndexMaintenance.PIN_TAG_PREFIX + p, p);
                            created++;
                        } catch (RuntimeException x) {
                            lost.add(p); // already gone (removed before it entered retention, e.g. retention was raised)
                        }
                    }
                }
                lease.checkValid();
                RemovalStats st = ds.cleanupWithPolicy(CleanupPolicy.builder()
                        .withBeforeVersion(latestPin)
                        .withErrorIfTaggedOldVersions(false)
                        .withDeleteUnverified(opts.deleteUnverified())
                        .build());
                String msg = (reclaimed == 0 ? "" : "reclaimed " + reclaimed + " fork(s) of deleted branches; ") + "kept versions " + pins + " (and everything after " + latestPin + "); removed " + st.getOldVersions()
                        + " old version(s), " + st.getBytesRemoved() + " bytes (" + st.getDataFilesRemoved() + " data, "
                        + st.getIndexFilesRemoved() + " index, " + st.getDeletionFilesRemoved() + " deletion, "
                        + st.getTransactionFilesRemoved() + " transaction files)"
                        + (lost.isEmpty() ? "" : "; retained pins already gone before this run: " + lost);
                LOG.info("graph {} table {} cleanup: {}", graphId, table, msg);
                return new CleanupReport.TableCleanup(table, CleanupReport.Status.CLEANED, List.copyOf(pins), st.getOldVersions(), st.getBytesRemoved(),
                        created, deleted, msg);
            }
        } catch (LeaseTimeoutException e) {
            return new CleanupReport.TableCleanup(table, CleanupReport.Status.BUSY, protectedVersions, 0, 0, 0, 0, "lease busy: " + e.getMessage());
        } catch (LeaseException | RuntimeException e) {
            return new CleanupReport.TableCleanup(table, CleanupReport.Status.FAILED, protectedVersions, 0, 0, 0, 0, IndexMaintenance.firstLine(e));
        }
    }

    private static CleanupReport.TableCleanup skipped(String table, List<Long> pins, String why) {
        return new CleanupReport.TableCleanup(table, CleanupReport.Status.SKIPPED, pins, 0, 0, 0, 0, why);
    }
}
