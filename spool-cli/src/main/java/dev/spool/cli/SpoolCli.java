package dev.spool.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import dev.spool.api.SpoolException;

/**
 * The {@code spool} command. {@code spool serve} runs a server in this process; every other command
 * is a client of a server ({@code --url}, default {@code $SPOOL_URL} or
 * {@code http://127.0.0.1:7070}).
 *
 * <p>Subcommands are picocli classes listed in {@link Command#subcommands()} below: adding one (such
 * as {@code spool bench}) is one more class name in that list. Exit codes are those of
 * {@link ExitCodes}; {@link #execute(String[], PrintWriter, PrintWriter)} runs a command line
 * in-process with the given output streams (what the tests use).
 */
@Command(name = "spool", mixinStandardHelpOptions = true, versionProvider = SpoolCli.Version.class,
        description = {"Spool: durable message, task and lock server.",
            "Client options (--url, --json) may come before or after the command."})
public final class SpoolCli implements Runnable {
    /**
     * The subcommands by name, in help order. A command line for one known command registers only
     * that one, so a client command never loads (nor reflects on) the server's or the bench's
     * classes: picocli builds a command's model from its class when it is added.
     */
    private static final Map<String, String> COMMANDS = new LinkedHashMap<>();

    static {
        // class names, not literals: a literal would load the class (the bench's with its imports)
        String p = "dev.spool.cli.";
        COMMANDS.put("serve", p + "ServeCommand");
        COMMANDS.put("queue", p + "QueueCommand");
        COMMANDS.put("push", p + "PushCommand");
        COMMANDS.put("pop", p + "PopCommand");
        COMMANDS.put("ack", p + "AckCommand");
        COMMANDS.put("tail", p + "TailCommand");
        COMMANDS.put("message", p + "MessageCommand");
        COMMANDS.put("redrive", p + "RedriveCommand");
        COMMANDS.put("group", p + "GroupCommand");
        COMMANDS.put("token", p + "TokenCommand");
        COMMANDS.put("fleet", p + "FleetCommand");
        COMMANDS.put("lock", p + "LockCommand");
        COMMANDS.put("journal", p + "JournalCommand");
        COMMANDS.put("keys", p + "KeysCommand");
        COMMANDS.put("bench", "dev.spool.bench.BenchCommand");
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Without a subcommand: usage on stderr, exit 2. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    /**
     * Runs the command line and exits with its code.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        String command = args.length == 0 ? "" : globalOptionsLast(args)[0];
        if (!"serve".equals(command)) {
            // client commands print results, not the client's info logs
            System.setProperty("spool.log.level", System.getProperty("spool.log.level", "WARN"));
        }
        if (!"serve".equals(command) && !"bench".equals(command)) {
            // A one-request client gains nothing from Netty's Unsafe access, and on JDK 23+ it costs
            // four warning lines on stderr at every run (the server and bench keep it, see ./spool).
            System.setProperty("io.netty.noUnsafe", System.getProperty("io.netty.noUnsafe", "true"));
            // one or two request/reply calls: the JDK's HTTP client starts faster than Vert.x's
            System.setProperty("spool.client.http", System.getProperty("spool.client.http", "jdk"));
            // Netty's buffer classes (under Vert.x's Buffer) would otherwise start logback through
            // SLF4J: ~350 classes and a configuration parse for a command that logs nothing
            io.netty.util.internal.logging.InternalLoggerFactory.setDefaultFactory(
                    io.netty.util.internal.logging.JdkLoggerFactory.INSTANCE);
        }
        int code = execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        System.exit(code);
    }

    /**
     * Runs a command line in this process.
     *
     * @param args the arguments
     * @param out where results go
     * @param err where errors and usage go
     * @return the exit code
     */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        String[] ordered = globalOptionsLast(args);
        return commandLine(out, err, ordered.length == 0 ? "" : ordered[0]).execute(ordered);
    }

    /**
     * {@code spool --json pop q} and {@code spool --url U queue list}: the client options given
     * before the command move behind it, where the command's parser takes them (before a
     * {@code --} end-of-options marker, if there is one).
     */
    static String[] globalOptionsLast(String[] args) {
        List<String> global = new ArrayList<>();
        int i = 0;
        while (i < args.length) {
            String a = args[i];
            if (a.equals("--json") || a.startsWith("--url=")) {
                global.add(a);
                i++;
            } else if (a.equals("--url") && i + 1 < args.length) {
                global.add(a);
                global.add(args[i + 1]);
                i += 2;
            } else {
                break;
            }
        }
        if (global.isEmpty() || i == args.length) {
            return args;
        }
        List<String> rest = new ArrayList<>(Arrays.asList(args).subList(i, args.length));
        int end = rest.indexOf("--");
        rest.addAll(end < 0 ? rest.size() : end, global);
        return rest.toArray(String[]::new);
    }

    /** The configured command line: output streams, exit codes and error messages. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        return commandLine(out, err, "");
    }

    /**
     * The command line for running {@code command}: with only that subcommand when it is a known
     * one, with all of them otherwise (usage, {@code help}, a mistyped name and its suggestions).
     */
    static CommandLine commandLine(PrintWriter out, PrintWriter err, String command) {
        CommandLine cl = new CommandLine(new SpoolCli());
        String only = COMMANDS.get(command);
        if (only != null) {
            cl.addSubcommand(command, load(only));
        } else {
            COMMANDS.forEach((name, type) -> cl.addSubcommand(name, load(type)));
        }
        cl.addSubcommand("help", new CommandLine.HelpCommand());
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            Throwable t = ex instanceof java.util.concurrent.CompletionException && ex.getCause() != null
                    ? ex.getCause() : ex;
            cmd.getErr().println("spool: " + describe(t));
            cmd.getErr().flush();
            return ExitCodes.of(t);
        });
        return cl;
    }

    private static Class<?> load(String type) {
        try {
            return Class.forName(type);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("missing command class " + type, e);
        }
    }

    /** One line saying what went wrong, with the server's error code and field. */
    static String describe(Throwable t) {
        if (ExitCodes.cannotConnect(t)) {
            return t.getMessage() == null ? "cannot connect to the server" : t.getMessage()
                    + (t.getMessage().startsWith("cannot connect") ? "" : " (cannot connect)")
                    + "; is the server running? (spool serve, or --url / SPOOL_URL)";
        }
        if (t instanceof SpoolException se) {
            String field = se.field().map(f -> " (field " + f + ")").orElse("");
            return se.code().id() + ": " + se.getMessage() + field;
        }
        return t.toString();
    }

    /** The version from the jar's manifest, when there is one. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = SpoolCli.class.getPackage().getImplementationVersion();
            return new String[] {"spool " + (v == null ? "0.1.0-SNAPSHOT" : v)};
        }
    }
}
