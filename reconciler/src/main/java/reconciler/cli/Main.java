package reconciler.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import reconciler.daemon.Config;

/**
 * The {@code reconciler} command line. Exit codes (README.md): 0 success / converged; 1 not
 * converged; 2 usage or configuration error; 3 a write refused (recovery required, drift, fenced
 * off); 4 storage or ZooKeeper failure; 77 a writer halted at its failpoint.
 */
@Command(name = "reconciler", mixinStandardHelpOptions = true, version = "reconciler 0.1.0",
        description = "Keeps multi-table Lance graphs healthy: rolls crashed writers' sidecars forward or back under ZooKeeper leases.",
        subcommands = {RunCommand.class, StatusCommand.class, SidecarsCommand.class, AuditCommand.class, GraphCommand.class,
                DemoCommand.class, KindsCommand.class, MaintainCommand.class, MaintenanceStateCommand.class, JobsCommand.class,
                ReloadCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {

    public static final int OK = 0;
    public static final int NOT_CONVERGED = 1;
    public static final int USAGE = 2;
    public static final int REFUSED = 3;
    public static final int FAILURE = 4;

    /** The shipped default config, used when --config is not given and it exists. */
    public static final Path DEFAULT_CONFIG = Path.of("conf/reconciler.yaml");

    @Override
    public Integer call() {
        CommandLine.usage(this, System.out);
        return USAGE;
    }

    public static void main(String[] args) {
        System.setProperty("sun.net.httpserver.nodelay", "true");
        System.exit(run(args));
    }

    /**
     * Runs one command line in this JVM (what {@link #main} does before exiting; tests call it).
     *
     * @return the exit code (see the class comment)
     */
    public static int run(String... args) {
        return new CommandLine(new Main())
                .setExecutionExceptionHandler((ex, cl, parsed) -> {
                    if (ex instanceof Config.ConfigException || ex instanceof reconciler.manifest.NotAGraphRootException) {
                        cl.getErr().println("error: " + ex.getMessage());
                        return USAGE;
                    }
                    // Storage errors carry a complete message naming the path; a class name helps nobody.
                    cl.getErr().println("error: " + (ex instanceof java.io.IOException && ex.getMessage() != null ? ex.getMessage() : ex.toString()));
                    return FAILURE;
                })
                .execute(args);
    }

    /** The {@code --config} option shared by every command. */
    public static final class ConfigOption {
        @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML config (default: conf/reconciler.yaml if present, else built-in defaults)")
        Path file;

        /** Loads the config. @throws Config.ConfigException naming key and line */
        public Config load() throws Config.ConfigException {
            if (file != null) {
                return Config.load(file);
            }
            return Files.exists(DEFAULT_CONFIG) ? Config.load(DEFAULT_CONFIG) : new Config();
        }
    }
}
