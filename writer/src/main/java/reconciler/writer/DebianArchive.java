package reconciler.writer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Reads the Debian package archive index (RFC 822-style stanzas of a {@code Packages} file or
 * {@code /var/lib/dpkg/status}) into {@link Package} records.
 */
public final class DebianArchive {
    private DebianArchive() {
    }

    /** The fallback source present on every Debian system. */
    public static final Path DPKG_STATUS = Path.of("/var/lib/dpkg/status");

    /**
     * One package.
     *
     * @param name package name
     * @param version version string
     * @param section section, or null
     * @param priority priority, or null
     * @param installedSizeKib Installed-Size in KiB, or null
     * @param maintainer the Maintainer field ({@code Name <email>}), or null
     * @param description the first line of Description, or null
     * @param depends dependencies (Depends and Pre-Depends), first alternative of each
     */
    public record Package(String name, String version, String section, String priority, Long installedSizeKib,
                          String maintainer, String description, List<Dependency> depends) {
    }

    /**
     * One dependency.
     *
     * @param name the package depended on
     * @param kind {@code depends} or {@code pre-depends}
     * @param constraint the version constraint without parentheses (e.g. {@code >= 2.36}), or null
     */
    public record Dependency(String name, String kind, String constraint) {
    }

    /**
     * Reads the archive index apt knows about ({@code apt-get indextargets} +
     * {@code apt-helper cat-file}), falling back to {@link #DPKG_STATUS} when apt has no index.
     *
     * @param log receives one line saying which source was used
     * @throws IOException if neither source can be read
     */
    public static List<Package> readSystemArchive(java.util.function.Consumer<String> log) throws IOException, InterruptedException {
        String file = run(List.of("apt-get", "indextargets", "--format", "$(FILENAME)", "Created-By: Packages")).lines()
                .filter(l -> !l.isBlank()).findFirst().orElse(null);
        if (file != null && Files.exists(Path.of(file))) {
            Process p = new ProcessBuilder("/usr/lib/apt/apt-helper", "cat-file", file).redirectErrorStream(false).start();
            List<Package> out;
            try (InputStream in = p.getInputStream()) {
                out = parse(in);
            }
            if (p.waitFor() == 0 && !out.isEmpty()) {
                log.accept("source: " + file + " (" + out.size() + " packages)");
                return out;
            }
        }
        try (InputStream in = Files.newInputStream(DPKG_STATUS)) {
            List<Package> out = parse(in);
            log.accept("source: " + DPKG_STATUS + " (" + out.size() + " packages; apt has no Packages index)");
            return out;
        }
    }

    /** Reads an uncompressed Packages/status file. @throws IOException */
    public static List<Package> readFile(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in);
        }
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            return p.exitValue() == 0 ? out : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** Parses stanzas; stanzas without Package or Version are skipped. @throws IOException */
    public static List<Package> parse(InputStream in) throws IOException {
        List<Package> out = new ArrayList<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
        Map<String, String> fields = new LinkedHashMap<>();
        String last = null;
        String line;
        while ((line = r.readLine()) != null) {
            if (line.isEmpty()) {
                add(fields, out);
                fields.clear();
                last = null;
            } else if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                // continuation line (long description); only the first line of fields is kept
                continue;
            } else {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    last = line.substring(0, colon);
                    fields.put(last, line.substring(colon + 1).trim());
                }
            }
        }
        add(fields, out);
        return out;
    }

    private static void add(Map<String, String> f, List<Package> out) {
        String name = f.get("Package");
        String version = f.get("Version");
        if (name == null || version == null) {
            return;
        }
        Long size = null;
        try {
            size = f.containsKey("Installed-Size") ? Long.parseLong(f.get("Installed-Size")) : null;
        } catch (NumberFormatException e) {
            size = null;
        }
        List<Dependency> deps = new ArrayList<>();
        addDeps(f.get("Pre-Depends"), "pre-depends", deps);
        addDeps(f.get("Depends"), "depends", deps);
        out.add(new Package(name, version, f.get("Section"), f.get("Priority"), size, f.get("Maintainer"), f.get("Description"), deps));
    }

    private static void addDeps(String field, String kind, List<Dependency> deps) {
        if (field == null || field.isBlank()) {
            return;
        }
        for (String clause : field.split(",")) {
            String first = clause.split("\\|")[0].trim();
            if (first.isEmpty()) {
                continue;
            }
            String constraint = null;
            int paren = first.indexOf('(');
            String name = first;
            if (paren >= 0) {
                int close = first.indexOf(')', paren);
                constraint = first.substring(paren + 1, close < 0 ? first.length() : close).trim();
                name = first.substring(0, paren).trim();
            }
            int colon = name.indexOf(':'); // multiarch qualifier, e.g. python3:any
            if (colon >= 0) {
                name = name.substring(0, colon);
            }
            int bracket = name.indexOf('[');
            if (bracket >= 0) {
                name = name.substring(0, bracket).trim();
            }
            deps.add(new Dependency(name, kind, constraint));
        }
    }
}
