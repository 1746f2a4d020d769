package reconciler.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** One run of the command line ({@link Main#run}) in this JVM: its exit code and what it printed, System.out and System.err captured as UTF-8. */
record CliRun(int code, String out, String err) {

    /** Runs {@code args} followed by {@code --config config}. */
    static CliRun withConfig(Path config, String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--config", config.toString()));
        return of(a.toArray(String[]::new));
    }

    static CliRun of(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.run(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
