package dev.spool.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.spool.embedded.JournalTool.Reason;
import dev.spool.embedded.JournalTool.Refused;
import dev.spool.embedded.JournalTool.Repaired;
import dev.spool.embedded.JournalTool.RepairOutcome;
import dev.spool.embedded.JournalTool.Severity;

/**
 * {@code spool journal repair --truncate-at <file>:<offset>}: the one change recovery never makes
 * on its own, because it drops records that were acknowledged. Explicit and reversible: it holds
 * the directory's {@code LOCK} (so no server opens it meanwhile), accepts only a record boundary
 * after which recovery would open the directory, and puts everything it removes in
 * {@code <data-dir>/repair-<timestamp>/} with a {@code REPAIR.txt} saying how to put it back.
 *
 * <p>The order makes a crash during the repair harmless: the removed tail is copied and forced
 * first, then snapshots beyond the cut are moved away (so none can name a position the journal no
 * longer has), then later segments newest first (the journal stays a contiguous prefix), and the
 * named segment is truncated last; each directory change is synced before the next step.
 */
final class JournalRepair {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private final Path dataDir;
    private final Path journalDir;
    private final Path snapshotDir;
    private final JournalFiles files = JournalFiles.REAL;

    /** What a cut removes. */
    private record Plan(long seg, long offset, String cut, SegmentScan.Counter removed, long unreadable,
            List<Path> laterSegments, List<Path> laterSnapshots) {
    }

    JournalRepair(Path dataDir) {
        this.dataDir = dataDir;
        this.journalDir = dataDir.resolve("journal");
        this.snapshotDir = dataDir.resolve("snapshots");
    }

    RepairOutcome repair(String file, long offset, boolean dryRun) throws IOException {
        if (!Files.isDirectory(journalDir)) {
            throw new NoSuchFileException(journalDir.toString(), null, "not a Spool data directory (no journal/)");
        }
        long seg = segmentNumber(file);
        if (seg < 0 || !Files.exists(Segments.path(journalDir, seg))) {
            return new Refused(Reason.NO_SUCH_SEGMENT, "there is no segment " + file + " in " + journalDir);
        }
        if (dryRun) {
            return plan(seg, offset, true);
        }
        RepairOutcome outcome;
        try (FileChannel lockChannel = FileChannel.open(dataDir.resolve("LOCK"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            FileLock lock = tryLock(lockChannel);
            if (lock == null) {
                return new Refused(Reason.IN_USE, "the data directory " + dataDir + " is in use by a running Spool "
                        + "server; stop it first (check works while it runs, repair does not)");
            }
            try {
                outcome = plan(seg, offset, false);
            } finally {
                lock.release();
            }
        }
        if (outcome instanceof Repaired r) {
            return new Repaired(true, r.backupDir(), r.cut(), r.removed(), r.unreadableBytes(), r.filesRemoved(),
                    Optional.of(JournalTool.check(dataDir)));
        }
        return outcome;
    }

    private static FileLock tryLock(FileChannel ch) throws IOException {
        try {
            return ch.tryLock();
        } catch (OverlappingFileLockException e) {
            return null;
        }
    }

    /** The segment number of {@code 00000000000000000002.seg}, {@code journal/...seg} or {@code 2}; -1 if none. */
    static long segmentNumber(String file) {
        try {
            String name = Path.of(file).getFileName().toString();
            if (name.endsWith(".seg")) {
                name = name.substring(0, name.length() - 4);
            }
            long n = Long.parseLong(name);
            return n >= 0 ? n : -1;
        } catch (InvalidPathException | NumberFormatException | NullPointerException e) {
            return -1;
        }
    }

    private RepairOutcome plan(long seg, long offset, boolean dryRun) throws IOException {
        JournalInspector now = new JournalInspector(dataDir).inspect();
        SegmentScan scan = now.scans().get(seg);
        String notBoundary = notABoundary(scan, offset);
        if (notBoundary != null) {
            return new Refused(Reason.NOT_A_BOUNDARY, notBoundary);
        }
        long cutPos = JournalPos.of(seg, offset);
        List<Long> keptSegs = new ArrayList<>();
        List<Path> later = new ArrayList<>();
        for (long s : now.segments()) {
            if (s < seg || (s == seg && offset > 0)) {
                keptSegs.add(s);
            } else if (s > seg) {
                later.add(Segments.path(journalDir, s));
            }
        }
        List<Path> keptSnaps = new ArrayList<>();
        List<Path> laterSnaps = new ArrayList<>();
        for (Path p : now.snapshots()) {
            (positionOf(p) <= cutPos ? keptSnaps : laterSnaps).add(p);
        }
        String cut = "journal/" + scan.path().getFileName() + ":" + offset;
        String wouldRefuse = wouldRefuse(now, keptSegs, keptSnaps, cutPos);
        if (wouldRefuse != null) {
            return new Refused(Reason.WOULD_NOT_OPEN, "after a cut at " + cut + " " + wouldRefuse);
        }
        SegmentScan.Counter removed = new SegmentScan.Counter();
        long unreadable;
        if (offset == 0) {
            removed.addAll(scan.before());
            removed.addAll(scan.after());
            unreadable = scan.unreadable();
        } else {
            SegmentScan tail = SegmentScan.read(scan.path(), seg, offset);
            removed.addAll(tail.before());
            removed.addAll(tail.after());
            unreadable = tail.unreadable();
        }
        for (Path p : later) {
            SegmentScan s = now.scans().get(segmentNumber(p.toString()));
            removed.addAll(s.before());
            removed.addAll(s.after());
            unreadable += s.unreadable();
        }
        Plan plan = new Plan(seg, offset, cut, removed, unreadable, later, laterSnaps);
        List<String> moved = new ArrayList<>();
        for (Path p : laterSnaps) {
            moved.add("snapshots/" + p.getFileName());
        }
        if (offset == 0) {
            moved.add("journal/" + scan.path().getFileName());
        }
        for (Path p : later) {
            moved.add("journal/" + p.getFileName());
        }
        Optional<Path> backup = dryRun ? Optional.empty() : Optional.of(apply(plan, scan));
        return new Repaired(!dryRun, backup, cut, removed.tally(), unreadable, List.copyOf(moved), Optional.empty());
    }

    /** Why {@code offset} cannot be cut at, or null: 0, 32, or the end of a valid record read in order. */
    private static String notABoundary(SegmentScan scan, long offset) throws IOException {
        String name = scan.path().getFileName().toString();
        if (offset == 0 || (offset == Segments.HEADER && scan.header())) {
            return null;
        }
        if (!scan.header()) {
            return "the header of " + name + " is damaged: the only cut in it is at offset 0 (the whole file)";
        }
        if (offset < Segments.HEADER || offset > scan.validEnd()) {
            return "offset " + offset + " of " + name + " is " + (offset < Segments.HEADER ? "inside the header"
                    : "after its first bad record at " + scan.validEnd() + ": cut there or before");
        }
        try (FileChannel ch = FileChannel.open(scan.path(), StandardOpenOption.READ)) {
            SegmentReader reader = new SegmentReader(ch, Segments.HEADER);
            long previous = Segments.HEADER;
            while (reader.validEnd() < offset && reader.next() != null) {
                if (reader.validEnd() <= offset) {
                    previous = reader.validEnd();
                }
            }
            if (reader.validEnd() == offset) {
                return null;
            }
            return "offset " + offset + " of " + name + " is inside a record: the records around it start at "
                    + previous + " and " + reader.validEnd();
        }
    }

    /** Why recovery would still refuse after the cut, or null if it would open. */
    private static String wouldRefuse(JournalInspector now, List<Long> segs, List<Path> snaps, long cutPos) {
        Optional<JournalInspector.Start> start = now.chooseStart(segs, snaps, false);
        if (start.isEmpty()) {
            return "no snapshot is usable and the journal does not start at segment 1: recovery would still refuse";
        }
        long from = start.get().position();
        for (JournalInspector.Located l : now.found()) {
            boolean blocks = l.finding().severity() != Severity.NOTE && l.position() >= from
                    && l.position() < cutPos;
            if (blocks) {
                return "recovery would still refuse because of " + l.finding().file() + ":" + l.finding().offset()
                        + " (" + l.finding().what() + "); cut at or before it";
            }
        }
        return null;
    }

    private Path apply(Plan plan, SegmentScan scan) throws IOException {
        Path backup = backupDir();
        Path backupJournal = Files.createDirectories(backup.resolve("journal"));
        Path backupSnaps = Files.createDirectories(backup.resolve("snapshots"));
        writeManifest(backup, plan, scan);
        files.syncDir(dataDir);
        if (plan.offset() > 0 && plan.offset() < scan.size()) {
            Path tail = backupJournal.resolve(scan.path().getFileName() + ".from-" + plan.offset());
            try (FileChannel in = FileChannel.open(scan.path(), StandardOpenOption.READ);
                    FileChannel out = FileChannel.open(tail, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                long p = plan.offset();
                while (p < in.size()) {
                    p += in.transferTo(p, in.size() - p, out);
                }
                out.force(true);
            }
        }
        files.syncDir(backupJournal);
        for (Path p : plan.laterSnapshots()) {
            files.move(p, backupSnaps.resolve(p.getFileName()));
        }
        files.syncDir(backupSnaps);
        if (Files.isDirectory(snapshotDir)) {
            files.syncDir(snapshotDir);
        }
        for (Path p : plan.laterSegments().reversed()) {
            files.move(p, backupJournal.resolve(p.getFileName()));
            files.syncDir(backupJournal);
            files.syncDir(journalDir);
        }
        if (plan.offset() == 0) {
            files.move(scan.path(), backupJournal.resolve(scan.path().getFileName()));
            files.syncDir(backupJournal);
        } else {
            try (FileChannel ch = FileChannel.open(scan.path(), StandardOpenOption.WRITE)) {
                ch.truncate(plan.offset());
                ch.force(true);
            }
        }
        files.syncDir(journalDir);
        return backup;
    }

    private Path backupDir() throws IOException {
        String base = "repair-" + STAMP.format(Instant.now());
        Path p = dataDir.resolve(base);
        for (int i = 2; Files.exists(p); i++) {
            p = dataDir.resolve(base + "-" + i);
        }
        return Files.createDirectories(p);
    }

    private static void writeManifest(Path backup, Plan plan, SegmentScan scan) throws IOException {
        String name = scan.path().getFileName().toString();
        StringBuilder sb = new StringBuilder();
        sb.append("spool journal repair, ").append(Instant.now()).append('\n');
        sb.append("cut: ").append(plan.cut()).append('\n');
        JournalTool.Tally t = plan.removed().tally();
        sb.append("acknowledged records removed: ").append(t.records()).append(' ').append(t.byType())
                .append(", messages pushed ").append(t.messagesPushed()).append(", ids acked ").append(t.idsAcked())
                .append(", unreadable bytes ").append(plan.unreadable()).append('\n');
        sb.append("\nTo undo, with no server running, from the data directory:\n");
        if (plan.offset() == 0) {
            sb.append("  mv ").append(backup.getFileName()).append("/journal/").append(name).append(" journal/\n");
        } else if (plan.offset() < scan.size()) {
            sb.append("  cat ").append(backup.getFileName()).append("/journal/").append(name).append(".from-")
                    .append(plan.offset()).append(" >> journal/").append(name).append('\n');
        }
        for (Path p : plan.laterSegments()) {
            sb.append("  mv ").append(backup.getFileName()).append("/journal/").append(p.getFileName())
                    .append(" journal/\n");
        }
        for (Path p : plan.laterSnapshots()) {
            sb.append("  mv ").append(backup.getFileName()).append("/snapshots/").append(p.getFileName())
                    .append(" snapshots/\n");
        }
        Path manifest = backup.resolve("REPAIR.txt");
        try (FileChannel ch = FileChannel.open(manifest, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
    }

    private static long positionOf(Path snapshot) {
        String n = snapshot.getFileName().toString();
        return Long.parseUnsignedLong(n.substring(0, n.length() - Journal.SNAPSHOT_SUFFIX.length()), 16);
    }
}
