package dev.spool.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import dev.spool.api.SpoolException;
import dev.spool.server.Main;
import dev.spool.server.ServerConfig;

/**
 * {@code spool serve}: runs a server in this process until SIGTERM or Ctrl-C, then stops gracefully
 * and exits 0. Flags override environment variables ({@code SPOOL_PORT}, ...), which override the
 * config file, which overrides the defaults ({@code docs/configuration.md}).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run a Spool server until SIGTERM or Ctrl-C.")
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--port", paramLabel = "PORT", description = "TCP port (default 7070; 0 picks a free one).")
    String port;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where the journal lives (default ./spool-data).")
    String dataDir;

    @Option(names = "--storage", paramLabel = "STORAGE",
            description = "journal (default), memory, or postgresql://user:password@host:port/db (see docs/postgres.md).")
    String storage;

    @Option(names = "--fsync", paramLabel = "POLICY", description = "always (default), interval:<ms> or never.")
    String fsync;

    @Option(names = "--config", paramLabel = "FILE", description = "A configuration file (key = value lines).")
    String config;

    @Option(names = "--insecure",
            description = "Allow listening on a non-loopback address without TLS and authentication.")
    boolean insecure;

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE",
            description = "Any other configuration key, e.g. --set host=0.0.0.0 --set max-batch=5000.")
    Map<String, String> more = new LinkedHashMap<>();

    @Override
    public Integer call() {
        ServerConfig cfg;
        try {
            cfg = ServerConfig.load(flags(), System.getenv());
        } catch (SpoolException e) {
            spec.commandLine().getErr().println("spool serve: bad configuration: " + e.getMessage()
                    + e.field().map(f -> " (" + f + ")").orElse(""));
            return ExitCodes.USAGE;
        }
        return Main.run(cfg);
    }

    /** The flags given on the command line, by configuration key. */
    Map<String, String> flags() {
        Map<String, String> flags = new LinkedHashMap<>(more);
        put(flags, "port", port);
        put(flags, "data-dir", dataDir);
        put(flags, "storage", storage);
        put(flags, "fsync", fsync);
        put(flags, "config", config);
        if (insecure) {
            flags.put("insecure", "true");
        }
        return flags;
    }

    private static void put(Map<String, String> flags, String key, String value) {
        if (value != null) {
            flags.put(key, value);
        }
    }
}
