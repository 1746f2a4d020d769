package reconciler.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Usage errors found after parsing (a value out of range, a table the graph does not have). Thrown
 * as picocli's {@link CommandLine.ParameterException}, so they end like a parse error: the message
 * and the command's usage on stderr, exit code {@value Main#USAGE} (docs/operations.md).
 */
final class Usage {
    private Usage() {
    }

    /** A usage error of {@code spec}'s command. */
    static CommandLine.ParameterException error(CommandSpec spec, String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /**
     * Refuses {@code value} unless it is at least {@code min}.
     *
     * @throws CommandLine.ParameterException naming the option, the value and the bound
     */
    static void atLeast(CommandSpec spec, String option, long value, long min) {
        if (value < min) {
            throw error(spec, option + " must be at least " + min + ", got " + value);
        }
    }
}
