package reconciler.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import reconciler.daemon.Config;

/** The {@code --config} option shared by every command (a picocli mixin). */
public final class ConfigOption {

    /** The config read when {@code --config} is not given and the file exists. */
    public static final Path DEFAULT_CONFIG = Path.of("conf/reconciler.yaml");

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
