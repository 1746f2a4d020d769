package reconciler.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Debian package the build makes (dist/, jdeb) holds what an administrator installs: the CLI
 * on the PATH, the jar and its libraries, the unit as shipped in systemd/, conffiles under
 * /etc/reconciler with the package's absolute paths, logrotate, the system user, maintainer
 * scripts. Read with dpkg-deb (skipped where it is not installed).
 */
class DebPackageIT {

    static Path deb;

    @BeforeAll
    static void findPackage() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("..", "dist", "target"))) {
            deb = s.filter(p -> p.getFileName().toString().endsWith("_all.deb")).findFirst().orElseThrow(
                    () -> new AssertionError("dist/target has no .deb: the dist module builds it in the package phase"));
        }
    }

    static String dpkgDeb(String... args) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/dpkg-deb")), "dpkg-deb is not installed");
        List<String> cmd = new ArrayList<>(List.of("dpkg-deb"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    static Path extracted;

    /** One member of the data archive, read out (the archive is extracted once). */
    static synchronized String member(String path) throws Exception {
        if (extracted == null) {
            Path dir = Files.createTempDirectory("deb");
            dpkgDeb("-x", deb.toString(), dir.toString());
            extracted = dir;
        }
        return Files.readString(extracted.resolve(path));
    }

    @Test
    void dataHoldsTheCliTheJarTheUnitConfigAndRotation() throws Exception {
        String contents = dpkgDeb("--contents", deb.toString());
        for (String line : List.of("-rwxr-xr-x root/root .* ./usr/bin/reconciler", "-rw-r--r-- root/root .* ./usr/share/reconciler/reconciler.jar",
                "./usr/share/reconciler/lib/lance-core-.*\\.jar", "./lib/systemd/system/reconciler.service",
                "-rw-r----- root/root .* ./etc/reconciler/reconciler.yaml", "-rw-r----- root/root .* ./etc/reconciler/reconciler.env",
                "./etc/reconciler/logback.xml", "./etc/reconciler/jvm.options", "./etc/logrotate.d/reconciler",
                "./usr/lib/sysusers.d/reconciler.conf", "./usr/share/doc/reconciler/docs/operations.md")) {
            assertTrue(contents.lines().anyMatch(l -> l.matches("(?s).*" + line + ".*")), line + " not in\n" + contents);
        }
    }

    @Test
    void controlDeclaresConffilesDependenciesAndScripts() throws Exception {
        String info = dpkgDeb("--info", deb.toString());
        assertTrue(info.contains("Package: reconciler") && info.contains("Architecture: all"), info);
        assertTrue(info.contains("Depends: openjdk-17-jre-headless | java17-runtime-headless, adduser"), info);
        for (String script : List.of("postinst", "prerm", "postrm")) {
            assertTrue(info.lines().anyMatch(l -> l.contains("*") && l.strip().endsWith(script + " #!/bin/sh") || l.matches(".*\\* +" + script + " .*")),
                    script + " executable in\n" + info);
        }
        String conffiles = dpkgDeb("--info", deb.toString(), "conffiles");
        assertEquals(List.of("/etc/reconciler/reconciler.yaml", "/etc/reconciler/logback.xml", "/etc/reconciler/logback-json.xml", "/etc/reconciler/jvm.options",
                "/etc/reconciler/reconciler.env", "/etc/logrotate.d/reconciler"), conffiles.lines().map(String::strip).toList());
    }

    @Test
    void packagedFilesAreTheShippedOnesWithThePackagesPaths() throws Exception {
        assertEquals(Files.readString(Path.of("..", "systemd", "reconciler.service")), member("lib/systemd/system/reconciler.service"));
        assertEquals(Files.readString(Path.of("..", "systemd", "reconciler.logrotate")), member("etc/logrotate.d/reconciler"));
        String yaml = member("etc/reconciler/reconciler.yaml");
        assertTrue(yaml.lines().anyMatch(l -> l.equals("stateDir: /var/lib/reconciler/state")), yaml);
        assertTrue(yaml.lines().anyMatch(l -> l.equals("auditLog: /var/log/reconciler/audit.jsonl")), yaml);
        String launcher = member("usr/bin/reconciler");
        assertTrue(launcher.contains("@/etc/reconciler/jvm.options") && launcher.contains("/usr/share/reconciler/reconciler.jar"), launcher);
    }
}
