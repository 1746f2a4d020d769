package reconciler.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;

/** A command that only groups subcommands: run without one, it prints its usage and exits {@value Main#USAGE}. */
abstract class CommandGroup implements Callable<Integer> {
    @Override
    public Integer call() {
        CommandLine.usage(this, System.out);
        return Main.USAGE;
    }
}
