package reconciler.indexer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.arrow.memory.BufferAllocator;
import org.lance.Dataset;
import org.lance.index.Index;
import org.lance.operation.CreateIndex;
import reconciler.graph.CommitWindow;
import reconciler.graph.Graph;
import reconciler.graph.OperationIds;
import reconciler.leases.GraphEvents;
import reconciler.leases.LeaseException;
import reconciler.leases.LeaseManager;
import reconciler.leases.LeaseSet;
import reconciler.leases.LeaseTimeoutException;
import reconciler.manifest.FencedOffException;
import reconciler.manifest.IndexSpec;
import reconciler.manifest.Manifest;
import reconciler.manifest.ManifestConflictException;
import reconciler.manifest.PinUpdate;
import reconciler.manifest.TablePin;
import reconciler.sidecar.SidecarEntry;
import reconciler.storage.TableKey;

/**
 * Catalog changes ({@code graph index add|drop}, docs/indexes.md "Catalog"): a declaration is a
 * catalog-only manifest publish under the table's lease; a drop also removes the Lance index with a
 * sidecar-protected {@code index-drop} commit. The public entry points are
 * {@link IndexMaintenance#addIndex} and {@link IndexMaintenance#dropIndex}.
 */
final class IndexCatalog {

    private final MaintenanceOptions options;
    private final BufferAllocator allocator;

    IndexCatalog(MaintenanceOptions options, BufferAllocator allocator) {
        this.options = options;
        this.allocator = allocator;
    }

    CatalogResult addIndex(Graph graph, LeaseManager leases, String table, IndexSpec spec) throws IOException, InterruptedException {
        Manifest base = graph.manifests().require();
        IndexSpec normalized = IndexSpecs.normalize(spec, base.pin(table).columns());
        return editCatalog(graph, leases, base.graphId(), table, pin -> {
            IndexSpec existing = pin.index(normalized.name());
            if (existing != null && existing.sameDefinition(normalized) && existing.options().equals(normalized.options())) {
                return null;
            }
            IndexSpec next = existing != null && existing.sameDefinition(normalized)
                    ? normalized.declaredAt(existing.declaredAt()) : normalized.declaredAt(pin.version());
            List<IndexSpec> catalog = new ArrayList<>();
            boolean replaced = false;
            for (IndexSpec i : pin.indexes()) {
                if (i.name().equals(next.name())) {
                    catalog.add(next);
                    replaced = true;
                } else {
                    catalog.add(i);
                }
            }
            if (!replaced) {
                catalog.add(next);
            }
            return catalog;
        });
    }

    /**
     * Removes an index: first from the catalog (a catalog-only publish, as {@link #addIndex}), then,
     * if Lance still has an index of that name at the pin, drops it with a sidecar-protected
     * {@code index-drop} operation (a {@code CreateIndex} transaction removing its segments, committed
     * at pin + 1 and published). Idempotent: run it again after a crash between the two steps.
     * Converge never drops undeclared indexes on its own.
     *
     * @throws IllegalArgumentException if the table does not exist
     */
    CatalogResult dropIndex(Graph graph, LeaseManager leases, String table, String name) throws IOException, InterruptedException {
        Manifest base = graph.manifests().require();
        base.pin(table);
        CatalogResult c = editCatalog(graph, leases, base.graphId(), table, pin -> {
            if (pin.index(name) == null) {
                return null;
            }
            return pin.indexes().stream().filter(i -> !i.name().equals(name)).toList();
        });
        if (c.status() != CatalogResult.Status.PUBLISHED && c.status() != CatalogResult.Status.UNCHANGED) {
            return c;
        }
        TableKey key = TableKey.parse(table);
        List<Index> toRemove = new ArrayList<>();
        TableCommit.Outcome o = TableCommit.run(graph, leases, table, IndexMaintenance.KIND_INDEX_DROP, Manifest.KIND_INDEX, options, new TableCommit.Effect() {
            @Override
            public String precheck(Manifest m, TablePin pin) {
                if (pin.index(name) != null) {
                    return "index " + name + " is declared again";
                }
                try (Dataset ds = LanceAccess.open(allocator, graph, key, pin.version())) {
                    toRemove.clear();
                    toRemove.addAll(LanceAccess.segments(ds, name));
                }
                return toRemove.isEmpty() ? "no Lance index " + name + " at version " + pin.version() : null;
            }

            @Override
            public long commit(long pin, Map<String, String> properties, String operationId) {
                try (Dataset ds = LanceAccess.open(allocator, graph, key, pin);
                     Dataset committed = ds.newTransactionBuilder().readVersion(pin)
                             .operation(CreateIndex.builder().withNewIndices(List.of()).withRemovedIndices(toRemove).build())
                             .transactionProperties(properties).build().commit()) {
                    return committed.version();
                }
            }
        });
        return new CatalogResult(c.status(), c.manifestVersion(), c.message() + "; Lance index: " + o.message(), o.status());
    }

    private interface CatalogEdit {
        /** The new catalog, or null if nothing changes. */
        List<IndexSpec> apply(TablePin pin);
    }

    private CatalogResult editCatalog(Graph graph, LeaseManager leases, String graphId, String table, CatalogEdit edit)
            throws IOException, InterruptedException {
        try (LeaseSet lease = leases.acquire(graphId, Graph.MAIN_BRANCH, List.of(table), options.leaseTimeout())) {
            Manifest m = graph.manifests().require();
            TablePin pin = m.pin(table);
            Optional<SidecarEntry> blocking = graph.sidecars().blocking(m, List.of(table));
            if (blocking.isPresent()) {
                return new CatalogResult(CatalogResult.Status.REFUSED, 0, blocking.get() instanceof SidecarEntry.Corrupt c
                        ? "refusing: corrupt sidecar " + c.key() + ": " + c.reason()
                        : "table " + table + " is covered by pending sidecar " + blocking.get().key() + "; the reconciler must heal it first", null);
            }
            List<IndexSpec> catalog = edit.apply(pin);
            if (catalog == null) {
                return new CatalogResult(CatalogResult.Status.UNCHANGED, m.version(), "catalog of " + table + " already as requested (manifest v" + m.version() + ")", null);
            }
            lease.ensureTokensAbove(CommitWindow.recordedTokens(m, List.of(table))); // after a ZooKeeper data loss
            long token = lease.fencingToken(table);
            lease.checkValid();
            Manifest pub = graph.manifests().publish(OperationIds.next(), Manifest.KIND_CATALOG,
                    List.of(new PinUpdate(table, pin.version(), pin.version(), token, catalog, pin.indexes())));
            GraphEvents.signalChange(leases.session(), graphId);
            return new CatalogResult(CatalogResult.Status.PUBLISHED, pub.version(), "catalog of " + table + " published as manifest v" + pub.version()
                    + ": " + catalog.stream().map(IndexSpec::name).toList(), null);
        } catch (LeaseTimeoutException e) {
            return new CatalogResult(CatalogResult.Status.BUSY, 0, "lease of " + table + " busy: " + e.getMessage(), null);
        } catch (LeaseException | FencedOffException | ManifestConflictException e) {
            return new CatalogResult(CatalogResult.Status.FAILED, 0, e.getMessage(), null);
        }
    }
}
