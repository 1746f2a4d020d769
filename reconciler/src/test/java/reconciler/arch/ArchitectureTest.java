package reconciler.arch;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Keeps the project's packages free of cycles (issue 15): every top-level package under
 * {@code reconciler.} (of this module and of the modules it depends on: storage, manifest,
 * sidecar, leases, graph, writer, indexer) is a slice, and no slice may depend on itself through
 * another. Test classes are not imported.
 */
class ArchitectureTest {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("reconciler");

    @Test
    void noPackageCycles() {
        slices().matching("reconciler.(*)..").should().beFreeOfCycles().check(MAIN);
    }
}
