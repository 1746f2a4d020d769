package reconciler.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Keeps the project free of cycles (issue 15). Packages: every top-level package under
 * {@code reconciler.} (of this module and of the modules it depends on: storage, manifest,
 * sidecar, leases, graph, writer, indexer) is a slice, and no slice may depend on itself through
 * another. Files: in the daemon layer (the packages of this module), no source file depends on
 * itself through another (nested classes count as their file; compile-time constants are inlined
 * by javac and are not dependencies). Test classes are not imported.
 */
class ArchitectureTest {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ArchitectureTest::notATestJar)
            .importPackages("reconciler");

    /**
     * Test fixtures shared as test-jars (storage's, leases') are test classes too; once packaged
     * ({@code mvn verify}) they come from {@code *-tests.jar}, which DO_NOT_INCLUDE_TESTS does not
     * recognise (it knows test-classes directories only).
     */
    private static boolean notATestJar(com.tngtech.archunit.core.importer.Location location) {
        return !location.matches(java.util.regex.Pattern.compile(".*-tests\\.jar.*"));
    }

    /** The daemon layer: this module's packages. */
    private static final List<String> DAEMON_LAYER = List.of("reconciler.cli", "reconciler.daemon", "reconciler.maintenance",
            "reconciler.http", "reconciler.core", "reconciler.metrics");

    /**
     * The one cycle kept on purpose: the immutable configuration, its builder (the draft a file or
     * code fills in) and its loader; {@code Config.builder()} and {@code Config.load()} are the
     * entry points every caller uses.
     */
    private static final Set<String> CONFIGURATION = Set.of("reconciler.daemon.Config", "reconciler.daemon.ConfigBuilder",
            "reconciler.daemon.ConfigLoader");

    @Test
    void noPackageCycles() {
        slices().matching("reconciler.(*)..").should().beFreeOfCycles().check(MAIN);
    }

    /** Curator's rule: one connection-state listener per client, owned by the session; everyone else subscribes to it. */
    @Test
    void onlyZkSessionListensToCuratorConnectionStates() {
        noClasses().that().doNotHaveFullyQualifiedName("reconciler.leases.ZkSession")
                .should().callMethod(org.apache.curator.framework.CuratorFramework.class, "getConnectionStateListenable")
                .check(MAIN);
    }

    /** One Lance opener: every dataset open is counted and carries the store's options (credentials, endpoint). */
    @Test
    void onlyLanceTablesOpensLanceDatasets() {
        Class<?> a = org.apache.arrow.memory.BufferAllocator.class;
        Class<?> ro = org.lance.ReadOptions.class;
        noClasses().that().doNotHaveFullyQualifiedName("reconciler.storage.LanceTables")
                .should().callMethod(org.lance.Dataset.class, "open", a, String.class, ro)
                .orShould().callMethod(org.lance.Dataset.class, "open", String.class, ro)
                .orShould().callMethod(org.lance.Dataset.class, "open", String.class, a)
                .orShould().callMethod(org.lance.Dataset.class, "open", String.class)
                .orShould().callMethod(org.lance.Dataset.class, "open")
                .check(MAIN);
    }

    @Test
    void noFileCyclesInTheDaemonLayer() {
        Map<String, Set<String>> files = new TreeMap<>();
        for (JavaClass c : MAIN) {
            String from = file(c);
            if (!DAEMON_LAYER.contains(c.getPackageName())) {
                continue;
            }
            Set<String> to = files.computeIfAbsent(from, k -> new TreeSet<>());
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                String target = file(d.getTargetClass());
                if (DAEMON_LAYER.contains(d.getTargetClass().getPackageName()) && !target.equals(from)) {
                    to.add(target);
                }
            }
        }
        List<Set<String>> cycles = new ArrayList<>();
        for (Set<String> scc : stronglyConnected(files)) {
            if (scc.size() > 1 && !scc.equals(CONFIGURATION)) {
                cycles.add(scc);
            }
        }
        assertEquals(List.of(), cycles, "files that depend on themselves through others");
    }

    private static String file(JavaClass c) {
        String n = c.getName();
        int i = n.indexOf('$');
        return i < 0 ? n : n.substring(0, i);
    }

    /** Tarjan's strongly connected components. */
    private static List<Set<String>> stronglyConnected(Map<String, Set<String>> g) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new HashSet<>();
        List<Set<String>> out = new ArrayList<>();
        for (String v : g.keySet()) {
            if (!index.containsKey(v)) {
                visit(v, g, index, low, stack, onStack, out);
            }
        }
        return out;
    }

    private static void visit(String v, Map<String, Set<String>> g, Map<String, Integer> index, Map<String, Integer> low,
            Deque<String> stack, Set<String> onStack, List<Set<String>> out) {
        index.put(v, index.size());
        low.put(v, index.get(v));
        stack.push(v);
        onStack.add(v);
        for (String w : g.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                visit(w, g, index, low, stack, onStack, out);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> scc = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                scc.add(w);
            } while (!w.equals(v));
            out.add(scc);
        }
    }
}
