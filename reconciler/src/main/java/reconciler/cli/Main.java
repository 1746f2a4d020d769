package reconciler.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
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
public final class Main extends CommandGroup {

    public static final int OK = 0;
    public static final int NOT_CONVERGED = 1;
    public static final int USAGE = 2;
    public static final int REFUSED = 3;
    public static final int FAILURE = 4;

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
}
