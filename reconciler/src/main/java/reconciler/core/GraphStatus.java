package reconciler.core;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import reconciler.manifest.Manifest;
import reconciler.manifest.TablePin;
import reconciler.sidecar.Sidecar;
import reconciler.sidecar.SidecarEntry;
import reconciler.storage.TableKey;
import reconciler.graph.Graph;

/**
 * A read-only snapshot of a graph's health: manifest, pins vs Lance HEAD, pending sidecars with
 * the decision the reconciler would take (a dry run: no leases, nothing written). Field names are
 * the {@code --json} contract documented in README.md.
 *
 * @param root the graph root
 * @param graphId the graph id
 * @param manifestVersion the latest manifest version
 * @param tables per table: pin, HEAD, fencing token
 * @param sidecars pending sidecars with their dry-run decision
 * @param corruptSidecars refused sidecar files (kept on disk)
 * @param converged no sidecar pending and pin == HEAD for every table
 * @param owner the daemon that owns the graph (member id), or null if unknown or unowned
 */
public record GraphStatus(String root, String graphId, long manifestVersion, List<TableStatus> tables,
                          List<SidecarStatus> sidecars, List<CorruptSidecar> corruptSidecars, boolean converged, String owner) {

    /** This status with the owning daemon filled in. */
    public GraphStatus withOwner(String owner) {
        return new GraphStatus(root, graphId, manifestVersion, tables, sidecars, corruptSidecars, converged, owner);
    }

    /**
     * @param table table key
     * @param pinnedVersion manifest pin
     * @param headVersion Lance HEAD
     * @param fencingToken recorded fencing token
     * @param drift HEAD - pin
     */
    public record TableStatus(String table, long pinnedVersion, long headVersion, long fencingToken, long drift) {
    }

    /**
     * @param operationId the operation
     * @param writerKind writer kind
     * @param writer host:pid
     * @param createdAt creation time (ISO-8601)
     * @param tables table keys
     * @param decision FINISH, ABORT, ROLL_FORWARD, ROLL_BACK or DEFER
     * @param reason why
     * @param deferred whether a deferral was already audited
     */
    public record SidecarStatus(String operationId, String writerKind, String writer, String createdAt, List<String> tables,
                                String decision, String reason, boolean deferred) {
    }

    /**
     * @param key storage key
     * @param reason why it was refused
     */
    public record CorruptSidecar(String key, String reason) {
    }

    /** Takes the snapshot. @throws IOException on a storage error or if the root is not a graph */
    public static GraphStatus of(Graph graph) throws IOException {
        Manifest m = graph.manifests().require();
        List<TableStatus> tables = heads(graph, m);
        boolean converged = tables.stream().allMatch(t -> t.drift() == 0);
        List<SidecarStatus> pending = new ArrayList<>();
        List<CorruptSidecar> corrupt = new ArrayList<>();
        for (SidecarEntry entry : graph.sidecars().list(m)) {
            converged = false;
            if (entry instanceof SidecarEntry.Corrupt c) {
                corrupt.add(new CorruptSidecar(c.key(), c.reason()));
                continue;
            }
            Sidecar s = ((SidecarEntry.Valid) entry).sidecar();
            String decision;
            String reason;
            try {
                Classifier.Decision d = Classifier.classify(s, graph.manifests().findOperation(s.operationId(), s.baseManifestVersion()),
                        Recoverer.observe(graph, s, m));
                decision = d.action().name();
                reason = d.reason();
            } catch (RuntimeException ex) {
                decision = "UNKNOWN";
                reason = "cannot classify: " + ex.getMessage();
            }
            boolean deferred = graph.store().read(AuditRecord.key(s.operationId(), AuditRecord.DEFERRED)).isPresent();
            pending.add(new SidecarStatus(s.operationId(), s.writerKind(), s.writer().host() + ":" + s.writer().pid(),
                    s.createdAt().toString(), s.tableKeys(), decision, reason, deferred));
        }
        return new GraphStatus(graph.store().root(), m.graphId(), m.version(), tables, pending, corrupt, converged, null);
    }

    /**
     * The snapshot of a graph found idle: {@code m} is its latest manifest and a sidecar listing taken
     * after {@code m} was read came back empty. Reads only the tables' HEADs (one listing each); if every
     * HEAD equals its pin the graph was converged when the listing was taken (HEADs only grow, and a
     * newer manifest would have moved a pin past a HEAD), and that is the snapshot. If a table drifted,
     * the full snapshot is taken instead ({@link #of(Graph)}: sidecars listed after the HEADs, so a
     * writer's sidecar written meanwhile is seen and its commit is not mistaken for uncovered drift).
     *
     * @throws IOException on a storage error
     */
    public static GraphStatus ofIdle(Graph graph, Manifest m) throws IOException {
        List<TableStatus> tables = heads(graph, m);
        if (tables.stream().anyMatch(t -> t.drift() != 0)) {
            return of(graph);
        }
        return new GraphStatus(graph.store().root(), m.graphId(), m.version(), tables, List.of(), List.of(), true, null);
    }

    private static List<TableStatus> heads(Graph graph, Manifest m) {
        List<TableStatus> tables = new ArrayList<>();
        for (Map.Entry<String, TablePin> e : m.tables().entrySet()) {
            long head = graph.tables().headVersion(TableKey.parse(e.getKey()));
            tables.add(new TableStatus(e.getKey(), e.getValue().version(), head, e.getValue().fencingToken(), head - e.getValue().version()));
        }
        return tables;
    }

}
