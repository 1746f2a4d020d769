package reconciler.graph;

import reconciler.storage.StagedWrite;

/**
 * One table's part of an operation: a staged write and the table version it was staged against.
 *
 * @param tableKey the table, e.g. {@code node:Package}
 * @param write the staged write
 * @param stagedAt the manifest pin the write was staged against; a write {@link StagedWrite#boundToReadVersion() bound}
 *     to it may only commit while the pin is still there
 */
public record TableWrite(String tableKey, StagedWrite write, long stagedAt) {
}
