package reconciler.storage;

import java.util.List;
import org.apache.arrow.vector.types.pojo.Schema;
import org.lance.FragmentMetadata;
import org.lance.operation.Append;
import org.lance.operation.Delete;
import org.lance.operation.Operation;
import org.lance.operation.Overwrite;
import org.lance.operation.Update;

/**
 * One table's write, staged: its data and deletion files are written, nothing is committed, so
 * nothing is visible ({@link LanceWrites} makes them; {@link LanceTables#commit} commits one as a
 * single Lance version carrying the protocol's transaction properties). Abandoned staged files
 * are never referenced by any version; Lance's cleanup reclaims them (docs/protocol.md, "Lance
 * commits").
 */
public sealed interface StagedWrite {

    /** {@code append}, {@code delete}, {@code upsert} or {@code overwrite}. */
    String kind();

    /** Rows the commit adds. */
    long rowsWritten();

    /** Rows the commit removes (deleted or replaced; for an overwrite, every row of the read version). */
    long rowsRemoved();

    /** The Lance operation that commits it. */
    Operation operation();

    /** Whether the staged files only make sense on top of the version they were staged against (deletions, overwrite). */
    default boolean boundToReadVersion() {
        return !(this instanceof Appended);
    }

    /** New rows in new fragments (Lance {@code Append}); may be committed on any version. */
    record Appended(List<FragmentMetadata> fragments, long rowsWritten) implements StagedWrite {
        public Appended {
            fragments = List.copyOf(fragments);
        }

        public String kind() {
            return "append";
        }

        public long rowsRemoved() {
            return 0;
        }

        public Operation operation() {
            return Append.builder().fragments(fragments).build();
        }
    }

    /** Rows matching a predicate deleted: deletion files per fragment, whole fragments removed (Lance {@code Delete}). */
    record Deleted(List<FragmentMetadata> updatedFragments, List<Long> removedFragmentIds, String predicate, long rowsRemoved)
            implements StagedWrite {
        public Deleted {
            updatedFragments = List.copyOf(updatedFragments);
            removedFragmentIds = List.copyOf(removedFragmentIds);
        }

        public String kind() {
            return "delete";
        }

        public long rowsWritten() {
            return 0;
        }

        public Operation operation() {
            return Delete.builder().updatedFragments(updatedFragments).deletedFragmentIds(removedFragmentIds).predicate(predicate).build();
        }
    }

    /**
     * Rows whose key matches an incoming row deleted and every incoming row added, in one version
     * (Lance {@code Update}, what Lance's own merge-insert commits).
     */
    record Upserted(List<FragmentMetadata> updatedFragments, List<Long> removedFragmentIds, List<FragmentMetadata> newFragments,
                    long rowsWritten, long rowsRemoved) implements StagedWrite {
        public Upserted {
            updatedFragments = List.copyOf(updatedFragments);
            removedFragmentIds = List.copyOf(removedFragmentIds);
            newFragments = List.copyOf(newFragments);
        }

        public String kind() {
            return "upsert";
        }

        public Operation operation() {
            return Update.builder().updatedFragments(updatedFragments).removedFragmentIds(removedFragmentIds).newFragments(newFragments)
                    .build();
        }
    }

    /** Every row replaced by new fragments of the same schema (Lance {@code Overwrite}). */
    record Overwritten(List<FragmentMetadata> fragments, Schema schema, long rowsWritten, long rowsRemoved) implements StagedWrite {
        public Overwritten {
            fragments = List.copyOf(fragments);
        }

        public String kind() {
            return "overwrite";
        }

        public Operation operation() {
            return Overwrite.builder().fragments(fragments).schema(schema).build();
        }
    }
}
