package dev.spool.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import dev.spool.embedded.JournalTool;
import dev.spool.embedded.JournalTool.Finding;
import dev.spool.embedded.JournalTool.Refused;
import dev.spool.embedded.JournalTool.Repaired;
import dev.spool.embedded.JournalTool.Report;
import dev.spool.embedded.JournalTool.Tally;

/**
 * {@code spool journal check|repair DATA-DIR}: the offline tools of the embedded journal
 * ({@link JournalTool}). They work on the files, not through a server: {@code check} only reads
 * (also beside a running server), {@code repair} refuses while a server holds the directory.
 */
@Command(name = "journal", mixinStandardHelpOptions = true,
        description = "Check or repair the journal of a data directory (no server needed).",
        subcommands = {JournalCommand.Check.class, JournalCommand.Repair.class})
final class JournalCommand implements Runnable {
    @Spec
    CommandSpec spec;

    /** Without a subcommand: usage, exit 2. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: check or repair");
    }

    /** {@code spool journal check DATA-DIR}. */
    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Read every segment and snapshot and say what recovery would do. Only reads; works while "
                    + "a server runs. Exit 0: opens with nothing acknowledged lost; 5: opens, but damaged; "
                    + "6: recovery would refuse.")
    static final class Check implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DATA-DIR", description = "The server's --data-dir.")
        Path dataDir;

        @Option(names = "--json", description = "Print one JSON document.")
        boolean json;

        @Override
        public Integer call() throws IOException {
            if (!isDataDir(spec, dataDir)) {
                return ExitCodes.USAGE;
            }
            Report r = JournalTool.check(dataDir);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                new Output(out, true).print(json(r));
            } else {
                print(out, r);
            }
            out.flush();
            return exitCode(r);
        }
    }

    /** {@code spool journal repair DATA-DIR --truncate-at FILE:OFFSET}. */
    @Command(name = "repair", mixinStandardHelpOptions = true,
            description = "Cut the journal at a record boundary: truncate FILE at OFFSET, remove later segments and "
                    + "snapshots beyond the cut, after moving all of it into DATA-DIR/repair-<time>/. Refuses while a "
                    + "server runs (exit 7), at an offset that is not a record boundary (2), or when recovery would "
                    + "still refuse afterwards (6).")
    static final class Repair implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DATA-DIR", description = "The server's --data-dir.")
        Path dataDir;

        @Option(names = "--truncate-at", required = true, paramLabel = "FILE:OFFSET",
                description = "Where to cut, as check prints it, e.g. journal/00000000000000000003.seg:1476.")
        String at;

        @Option(names = "--dry-run", description = "Only say what would be removed.")
        boolean dryRun;

        @Option(names = "--json", description = "Print one JSON document.")
        boolean json;

        @Override
        public Integer call() throws IOException {
            int colon = at.lastIndexOf(':');
            long offset;
            try {
                offset = colon < 0 ? -1 : Long.parseLong(at.substring(colon + 1));
            } catch (NumberFormatException e) {
                offset = -1;
            }
            if (offset < 0) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--truncate-at wants FILE:OFFSET (e.g. journal/00000000000000000003.seg:1476), not " + at);
            }
            if (!isDataDir(spec, dataDir)) {
                return ExitCodes.USAGE;
            }
            JournalTool.RepairOutcome outcome = JournalTool.repair(dataDir, at.substring(0, colon), offset, dryRun);
            PrintWriter out = spec.commandLine().getOut();
            return switch (outcome) {
                case Refused r -> {
                    spec.commandLine().getErr().println("spool journal repair: refused, nothing was changed: "
                            + r.message());
                    yield switch (r.reason()) {
                        case IN_USE -> ExitCodes.JOURNAL_IN_USE;
                        case WOULD_NOT_OPEN -> ExitCodes.JOURNAL_REFUSED;
                        case NOT_A_BOUNDARY, NO_SUCH_SEGMENT -> ExitCodes.USAGE;
                    };
                }
                case Repaired r -> {
                    if (json) {
                        new Output(out, true).print(json(r));
                    } else {
                        print(out, r);
                    }
                    out.flush();
                    yield r.after().map(JournalCommand::exitCode).filter(c -> c == ExitCodes.JOURNAL_REFUSED)
                            .orElse(ExitCodes.OK);
                }
            };
        }
    }

    private static boolean isDataDir(CommandSpec spec, Path dataDir) {
        if (Files.isDirectory(dataDir.resolve("journal"))) {
            return true;
        }
        spec.commandLine().getErr().println("spool journal: " + dataDir + " is not a Spool data directory (it has "
                + "no journal/ directory)");
        return false;
    }

    static int exitCode(Report r) {
        return switch (r.verdict()) {
            case CLEAN, RECOVERS -> ExitCodes.OK;
            case DAMAGED -> ExitCodes.JOURNAL_DAMAGED;
            case REFUSES -> ExitCodes.JOURNAL_REFUSED;
        };
    }

    private static String verdict(Report r) {
        return switch (r.verdict()) {
            case CLEAN -> "clean: recovery opens it and changes nothing";
            case RECOVERS -> "recovers: recovery opens it after removing what a crash left; nothing acknowledged "
                    + "is lost";
            case DAMAGED -> "damaged: recovery opens it, but durable data is damaged (above)";
            case REFUSES -> "refuses: recovery would refuse to open it" + r.suggestedRepair()
                    .map(c -> "; 'spool journal repair " + r.dataDir() + " --truncate-at " + c + " --dry-run' says "
                            + "what a cut there removes")
                    .orElse("; no cut helps: restore the directory from a backup");
        };
    }

    private static void print(PrintWriter out, Report r) {
        for (Finding f : r.findings()) {
            out.println(f.file() + ":" + f.offset() + "  " + f.severity() + "  " + f.what());
        }
        if (r.inUse()) {
            out.println("note: a running server holds the lock; the end of the last segment may be a write in "
                    + "progress");
        }
        out.println("summary: " + r.segments() + " segments, " + r.records() + " records, " + r.snapshots()
                + " snapshots, " + r.bytes() + " bytes; recovery starts from: " + r.start());
        out.println("verdict: " + verdict(r));
    }

    private static void print(PrintWriter out, Repaired r) {
        out.println((r.applied() ? "cut " : "would cut ") + r.cut());
        Tally t = r.removed();
        out.println("acknowledged records lost: " + t.records() + (t.byType().isEmpty() ? "" : " " + types(t))
                + "; messages pushed " + t.messagesPushed() + ", ids acked " + t.idsAcked() + "; "
                + r.unreadableBytes() + " unreadable bytes");
        if (!r.filesRemoved().isEmpty()) {
            out.println((r.applied() ? "moved away: " : "would move away: ") + String.join(", ", r.filesRemoved()));
        }
        r.backupDir().ifPresent(b -> out.println("kept in " + b + " (REPAIR.txt there says how to undo)"));
        r.after().ifPresent(a -> out.println("after the repair: " + verdict(a)));
    }

    private static String types(Tally t) {
        StringBuilder sb = new StringBuilder("(");
        for (Map.Entry<String, Long> e : t.byType().entrySet()) {
            sb.append(sb.length() > 1 ? ", " : "").append(e.getKey()).append(' ').append(e.getValue());
        }
        return sb.append(')').toString();
    }

    static ObjectNode json(Report r) {
        ObjectNode n = Output.JSON.createObjectNode();
        n.put("data_dir", r.dataDir().toString());
        n.put("in_use", r.inUse());
        n.put("verdict", r.verdict().name().toLowerCase(java.util.Locale.ROOT));
        n.put("exit_code", exitCode(r));
        ArrayNode fs = n.putArray("findings");
        for (Finding f : r.findings()) {
            fs.addObject().put("file", f.file()).put("offset", f.offset())
                    .put("severity", f.severity().name().toLowerCase(java.util.Locale.ROOT)).put("what", f.what());
        }
        n.put("segments", r.segments());
        n.put("records", r.records());
        n.put("snapshots", r.snapshots());
        n.put("bytes", r.bytes());
        n.put("start", r.start());
        r.suggestedRepair().ifPresent(c -> n.put("suggested_truncate_at", c));
        return n;
    }

    private static ObjectNode json(Repaired r) {
        ObjectNode n = Output.JSON.createObjectNode();
        n.put("applied", r.applied());
        n.put("cut", r.cut());
        ObjectNode lost = n.putObject("records_lost");
        lost.put("records", r.removed().records());
        ObjectNode byType = lost.putObject("by_type");
        r.removed().byType().forEach(byType::put);
        lost.put("messages_pushed", r.removed().messagesPushed());
        lost.put("ids_acked", r.removed().idsAcked());
        lost.put("bytes", r.removed().bytes());
        n.put("unreadable_bytes", r.unreadableBytes());
        r.filesRemoved().forEach(n.putArray("files_moved")::add);
        r.backupDir().ifPresent(b -> n.put("backup_dir", b.toString()));
        r.after().ifPresent(a -> n.set("after", json(a)));
        return n;
    }
}
