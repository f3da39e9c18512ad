package dev.spool.embedded;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Offline checking and explicit repair of a journal data directory ({@code spool journal check} and
 * {@code spool journal repair}). Isolation of the operator's view of the journal: what recovery
 * would do with a directory, said before it is opened, and the one repair recovery never makes on
 * its own.
 *
 * <p>{@link #check} only reads: it does not hold the {@code LOCK} file (it only probes it with a
 * shared lock released at once), so it also runs beside a server (then {@link Report#inUse()} is
 * true and the end of the last segment may be a write in progress). It applies exactly the rules of {@link Journal}'s recovery: the snapshot it would
 * start from, the torn-tail rule ({@link SegmentReader#findValidAfter}), and a replay of every
 * record after the snapshot, so a record that passes its CRC but cannot be applied is found too.
 *
 * <p>{@link #repair} refuses while a server holds the lock, refuses a cut that is not a record
 * boundary or after which recovery would still refuse, and moves everything it removes into
 * {@code <data-dir>/repair-<timestamp>/} before it changes anything.
 */
public final class JournalTool {
    private JournalTool() {
    }

    /** How bad one finding is. */
    public enum Severity {
        /** What a crash leaves and recovery cleans up; nothing acknowledged is lost. */
        NOTE,
        /** Durable data is damaged, but recovery still opens the directory. */
        DAMAGE,
        /** Recovery refuses to open the directory. */
        FATAL
    }

    /** What recovery would do with the directory as it is. */
    public enum Verdict {
        /** Opens it and changes nothing. */
        CLEAN,
        /** Opens it after removing what a crash left (a torn tail, an unfinished file); nothing acknowledged lost. */
        RECOVERS,
        /** Opens it, but durable data is damaged (a bad snapshot, a bad older segment, unreadable payloads). */
        DAMAGED,
        /** Refuses to open it. */
        REFUSES
    }

    /**
     * One problem.
     *
     * @param file the file, relative to the data directory ({@code journal/00000000000000000002.seg})
     * @param offset byte offset in the file (0 for a whole-file problem)
     * @param severity how bad it is
     * @param what what is wrong and what recovery does about it
     */
    public record Finding(String file, long offset, Severity severity, String what) {
    }

    /**
     * Records counted in a part of the journal.
     *
     * @param byType top-level records by type name ({@code push}, {@code ack}, {@code tx}, ...), in type order
     * @param records top-level records
     * @param messagesPushed message entries in {@code push} records, those nested in {@code tx} included
     * @param idsAcked message ids in {@code ack} records, nested ones included
     * @param bytes bytes of those records
     */
    public record Tally(Map<String, Long> byType, long records, long messagesPushed, long idsAcked, long bytes) {
    }

    /**
     * What {@link #check} found.
     *
     * @param dataDir the data directory
     * @param inUse whether a running server holds its lock (the last segment may be mid-write)
     * @param verdict what recovery would do
     * @param findings every problem, in file order
     * @param segments segment files
     * @param records valid top-level records, in order, over all segments
     * @param snapshots snapshot files
     * @param bytes bytes of all segment and snapshot files
     * @param start where recovery starts (a snapshot, segment 1, or nowhere when it refuses)
     * @param suggestedRepair the {@code <file>:<offset>} for {@code repair --truncate-at} when a cut can help
     */
    public record Report(Path dataDir, boolean inUse, Verdict verdict, List<Finding> findings, int segments,
            long records, int snapshots, long bytes, String start, Optional<String> suggestedRepair) {
    }

    /** What {@link #repair} did or why it refused. */
    public sealed interface RepairOutcome permits Repaired, Refused {
    }

    /**
     * A repair that was made (or, with a dry run, would be made).
     *
     * @param applied false for a dry run
     * @param backupDir where everything removed was moved (empty for a dry run)
     * @param cut the cut, {@code journal/<segment>:<offset>}
     * @param removed the valid records removed: acknowledged records lost
     * @param unreadableBytes bytes removed that were not part of any valid record
     * @param filesRemoved files moved away whole, relative to the data directory
     * @param after the check of the directory after the repair (empty for a dry run)
     */
    public record Repaired(boolean applied, Optional<Path> backupDir, String cut, Tally removed, long unreadableBytes,
            List<String> filesRemoved, Optional<Report> after) implements RepairOutcome {
    }

    /** Why a repair was refused. */
    public enum Reason {
        /** A running server holds the directory's lock. */
        IN_USE,
        /** The named segment does not exist. */
        NO_SUCH_SEGMENT,
        /** The offset is not a record boundary of the segment, up to its first bad record. */
        NOT_A_BOUNDARY,
        /** Recovery would still refuse to open the directory after this cut. */
        WOULD_NOT_OPEN
    }

    /**
     * A refused repair; nothing was changed.
     *
     * @param reason why
     * @param message what to do instead
     */
    public record Refused(Reason reason, String message) implements RepairOutcome {
    }

    /**
     * Reads every segment and snapshot of a data directory and says what recovery would do with it.
     * Never writes and does not hold the lock.
     *
     * @param dataDir a data directory (with a {@code journal} directory in it)
     * @return what it found
     * @throws IOException if a file cannot be read, or the directory has no {@code journal} directory
     */
    public static Report check(Path dataDir) throws IOException {
        return new JournalInspector(dataDir).inspect().report();
    }

    /**
     * Cuts the journal at a record boundary: truncates {@code file} at {@code offset}, removes every
     * later segment and every snapshot beyond the cut, after copying or moving all of it into
     * {@code <data-dir>/repair-<timestamp>/}, and fsyncs.
     *
     * @param dataDir a data directory
     * @param file a segment file name ({@code 00000000000000000002.seg}, with or without {@code journal/}) or number
     * @param offset a record boundary in it: 0 removes the whole file, 32 every record of it
     * @param dryRun only say what would be removed
     * @return what was removed, or why nothing was
     * @throws IOException if reading or changing a file fails
     */
    public static RepairOutcome repair(Path dataDir, String file, long offset, boolean dryRun) throws IOException {
        return new JournalRepair(dataDir).repair(file, offset, dryRun);
    }
}
