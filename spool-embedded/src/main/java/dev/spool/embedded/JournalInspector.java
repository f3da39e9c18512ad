package dev.spool.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import dev.spool.api.MessageIds;
import dev.spool.embedded.JournalTool.Finding;
import dev.spool.embedded.JournalTool.Severity;
import dev.spool.embedded.JournalTool.Verdict;

/**
 * {@code spool journal check}: reads a data directory and predicts what {@link Journal}'s recovery
 * does with it, by the same rules (they are restated here, not shared, because recovery also
 * changes files and this class must not). Two passes: every segment is read whole from its header
 * ({@link SegmentScan}: integrity of every byte, records counted, damage resynchronised with
 * {@link SegmentReader#findValidAfter}), and recovery is simulated from the snapshot it would load,
 * replaying each record into a state machine that is then checked for payloads that cannot be read.
 */
final class JournalInspector {
    private final Path dataDir;
    private final Path journalDir;
    private final Path snapshotDir;
    private final List<Located> found = new ArrayList<>();
    private final Map<Long, SegmentScan> scans = new TreeMap<>();
    private final Map<Long, Long> simulatedFrom = new HashMap<>();
    private final Set<Path> tried = new HashSet<>();
    private List<Long> segments = List.of();
    private List<Path> snapshots = List.of();
    private Optional<Start> start = Optional.empty();
    private String suggested;
    private long records;
    private long bytes;
    private boolean inUse;

    /** A finding and its journal position (-1 when it is not about a place in a segment). */
    record Located(Finding finding, long position) {
    }

    /** Where recovery starts: a loaded snapshot (or an empty state) and the position after it. */
    record Start(StateMachine sm, Replayer replayer, long position, String describe) {
    }

    JournalInspector(Path dataDir) {
        this.dataDir = dataDir;
        this.journalDir = dataDir.resolve("journal");
        this.snapshotDir = dataDir.resolve("snapshots");
    }

    JournalInspector inspect() throws IOException {
        if (!Files.isDirectory(journalDir)) {
            throw new NoSuchFileException(journalDir.toString(), null, "not a Spool data directory (no journal/)");
        }
        inUse = locked(dataDir);
        segments = Segments.list(journalDir);
        snapshots = Files.isDirectory(snapshotDir) ? list(snapshotDir, "*" + Journal.SNAPSHOT_SUFFIX) : List.of();
        for (long seg : segments) {
            SegmentScan s = SegmentScan.read(Segments.path(journalDir, seg), seg, Segments.HEADER);
            scans.put(seg, s);
            records += s.before().records;
            bytes += s.size();
        }
        for (Path p : snapshots) {
            bytes += Files.size(p);
        }
        if (Files.isDirectory(snapshotDir)) {
            for (Path p : list(snapshotDir, "*" + Journal.SNAPSHOT_SUFFIX + ".tmp")) {
                add(p, 0, Severity.NOTE, -1, "an unfinished snapshot (a crash while writing it); recovery deletes it");
            }
        }
        start = chooseStart(segments, snapshots, true);
        for (Path p : snapshots) {
            if (!tried.contains(p) && !Journal.verifies(p)) {
                add(p, 0, Severity.DAMAGE, -1, "the snapshot does not match its CRC32C; recovery does not need it "
                        + "now, but could not fall back to it");
            }
        }
        start.ifPresent(this::simulate);
        reportUnreadDamage();
        found.sort((a, b) -> {
            int c = a.finding().file().compareTo(b.finding().file());
            return c != 0 ? c : Long.compare(a.finding().offset(), b.finding().offset());
        });
        return this;
    }

    JournalTool.Report report() {
        Verdict v = Verdict.CLEAN;
        for (Located l : found) {
            Verdict w = switch (l.finding().severity()) {
                case NOTE -> Verdict.RECOVERS;
                case DAMAGE -> Verdict.DAMAGED;
                case FATAL -> Verdict.REFUSES;
            };
            v = w.compareTo(v) > 0 ? w : v;
        }
        String from = start.map(Start::describe).orElse("none (no snapshot or journal start to rebuild from)");
        return new JournalTool.Report(dataDir, inUse, v, found.stream().map(Located::finding).toList(),
                segments.size(), records, snapshots.size(), bytes, from,
                v == Verdict.REFUSES ? Optional.ofNullable(suggested) : Optional.empty());
    }

    List<Located> found() {
        return found;
    }

    Map<Long, SegmentScan> scans() {
        return scans;
    }

    List<Long> segments() {
        return segments;
    }

    List<Path> snapshots() {
        return snapshots;
    }

    /**
     * As {@code Journal.chooseStart}: the newest snapshot that decodes and is followed by every
     * segment from its own on; else the start of the journal if segment 1 is there; else nothing.
     */
    Optional<Start> chooseStart(List<Long> segs, List<Path> snaps, boolean report) {
        long gap = -1;
        for (int i = snaps.size() - 1; i >= 0; i--) {
            Path p = snaps.get(i);
            if (report) {
                tried.add(p);
            }
            SnapshotCodec.Loaded loaded;
            try {
                byte[] b = Files.readAllBytes(p);
                loaded = SnapshotCodec.decode(ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN),
                        AtRestCodec.INSPECT);
            } catch (IOException | RuntimeException e) {
                if (report) {
                    add(p, 0, Severity.DAMAGE, -1, (Journal.verifies(p) ? "the snapshot cannot be decoded (" + e + ")"
                            : "the snapshot does not match its CRC32C") + "; recovery skips it and uses an older one");
                }
                continue;
            }
            long seg = JournalPos.segment(loaded.position());
            long missing = missingSegment(segs, seg);
            if (missing < 0) {
                return Optional.of(new Start(loaded.sm(), (Replayer) loaded.sm().listener, loaded.position(),
                        "snapshot " + p.getFileName() + " (segment " + seg + ", offset "
                                + JournalPos.offset(loaded.position()) + ")"));
            }
            gap = gap < 0 ? missing : Math.min(gap, missing);
        }
        long missing = missingSegment(segs, 1);
        if (missing < 0) {
            StateMachine sm = new StateMachine(System.currentTimeMillis());
            sm.atRest = AtRestCodec.INSPECT;
            long first = segs.isEmpty() ? 1 : segs.get(0);
            String why = snaps.isEmpty() ? "no snapshot" : "no usable snapshot";
            return Optional.of(new Start(sm, new Replayer(sm), JournalPos.of(first, Segments.HEADER),
                    "segment " + first + " (" + why + ": every record is replayed)"));
        }
        if (report) {
            reportNoStart(segs, snaps, gap >= 0 ? gap : missing);
        }
        return Optional.empty();
    }

    private void reportNoStart(List<Long> segs, List<Path> snaps, long missing) {
        Path missingPath = Segments.path(journalDir, missing);
        boolean inTheMiddle = !segs.isEmpty() && missing > segs.get(0);
        if (inTheMiddle) {
            add(missingPath, 0, Severity.FATAL, JournalPos.of(missing, 0), "the segment is missing, but later "
                    + "segments exist and recovery needs every segment after the snapshot it starts from");
            long previous = missing - 1;
            SegmentScan s = scans.get(previous);
            if (s != null && s.header() && s.problem() == null) {
                suggest(previous, s.validEnd());
            }
        } else {
            add(snaps.isEmpty() ? journalDir : snaps.get(snaps.size() - 1), 0, Severity.FATAL, -1,
                    "the state cannot be rebuilt: " + (snaps.isEmpty() ? "there is no snapshot"
                            : "no snapshot is usable (" + snaps.size() + " found)")
                            + " and the journal no longer starts at segment 1 (segment " + missing + " is missing)");
        }
    }

    /** The first segment from {@code from} on that is missing, or -1 if they are all there. */
    static long missingSegment(List<Long> segs, long from) {
        long expect = from;
        for (long s : segs) {
            if (s < from) {
                continue;
            }
            if (s != expect) {
                return expect;
            }
            expect++;
        }
        if (expect == from && !(segs.isEmpty() && from == 1)) {
            return from;
        }
        return -1;
    }

    /** Replays from the start as recovery does, stopping where recovery would stop. */
    private void simulate(Start s) {
        long startSeg = JournalPos.segment(s.position());
        for (int i = 0; i < segments.size(); i++) {
            long seg = segments.get(i);
            if (seg < startSeg) {
                continue;
            }
            boolean last = i == segments.size() - 1;
            long from = seg == startSeg ? JournalPos.offset(s.position()) : Segments.HEADER;
            simulatedFrom.put(seg, from);
            try {
                if (!simulateSegment(s, seg, from, last)) {
                    return;
                }
            } catch (IOException e) {
                add(Segments.path(journalDir, seg), 0, Severity.FATAL, JournalPos.of(seg, 0), "cannot be read: " + e);
                return;
            }
        }
        checkPayloads(s.sm());
    }

    /** One segment of the simulated recovery; false when recovery stops there. */
    private boolean simulateSegment(Start s, long seg, long from, boolean last) throws IOException {
        Path path = Segments.path(journalDir, seg);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            if (!Segments.validHeader(ch, seg)) {
                if (last && ch.size() <= Segments.HEADER && seg != JournalPos.segment(s.position())) {
                    add(path, 0, Severity.NOTE, -1, "the header was never completely written (a crash while the "
                            + "segment was created); recovery deletes this segment, which holds no record");
                    return false;
                }
                fatal(seg, 0, "the segment header is damaged");
                return false;
            }
            SegmentReader reader = new SegmentReader(ch, from);
            SegmentReader.Record r;
            while ((r = reader.next()) != null) {
                try {
                    s.replayer().apply(r, seg);
                } catch (RuntimeException e) {
                    fatal(seg, r.position(), "the record passes its CRC32C but cannot be applied (" + e + ")");
                    return false;
                }
            }
            if (reader.problem() == null) {
                return true;
            }
            long bad = reader.validEnd();
            if (!last) {
                fatal(seg, bad, reader.problem() + ", and later segments exist");
                return false;
            }
            if (Journal.zerosFrom(ch, bad)) {
                add(path, bad, Severity.NOTE, -1, (ch.size() - bad) + " zero bytes written ahead of the records "
                        + "(the server was not closed cleanly); recovery cuts them");
                return false;
            }
            long next = SegmentReader.findValidAfter(ch, bad);
            if (next >= 0) {
                SegmentScan scan = scans.get(seg);
                fatal(seg, bad, reader.problem() + ", but a valid record follows at offset " + next + " ("
                        + scan.after().records + " valid records, " + scan.unreadable() + " unreadable bytes after "
                        + "the bad record)");
                return false;
            }
            add(path, bad, Severity.NOTE, -1, "torn tail: " + reader.problem() + "; recovery truncates the last "
                    + (ch.size() - bad) + " bytes (a write never acknowledged) and keeps them in recovered/");
            return false;
        }
    }

    private void fatal(long seg, long offset, String what) {
        add(Segments.path(journalDir, seg), offset, Severity.FATAL, JournalPos.of(seg, offset),
                what + "; recovery refuses to open");
        if (suggested == null) {
            suggest(seg, offset);
        }
    }

    private void suggest(long seg, long offset) {
        suggested = "journal/" + Segments.path(journalDir, seg).getFileName() + ":" + offset;
    }

    /** Damage recovery does not read: before its start, or after the place where it stops. */
    private void reportUnreadDamage() {
        long startPos = start.map(Start::position).orElse(Long.MAX_VALUE);
        for (SegmentScan s : scans.values()) {
            if (!s.header() && s.size() <= Segments.HEADER && s.number() == segments.get(segments.size() - 1)) {
                continue;
            }
            if (s.header() && s.problem() == null) {
                continue;
            }
            Long from = simulatedFrom.get(s.number());
            if (from != null && from <= s.validEnd()) {
                continue;
            }
            String what = s.header() ? s.problem() : "the segment header is damaged";
            String context = JournalPos.of(s.number(), s.validEnd()) < startPos
                    ? "recovery starts after it and does not replay it, but payloads stored from there on are lost"
                    : "recovery stops before it";
            add(s.path(), s.validEnd(), Severity.DAMAGE, JournalPos.of(s.number(), s.validEnd()),
                    what + " (" + s.after().records + " valid records after it); " + context);
        }
    }

    /** Every message in the recovered state must point into a verified record of a present segment. */
    private void checkPayloads(StateMachine sm) {
        Map<Long, long[]> lost = new TreeMap<>();
        for (QueueState q : sm.queues.values()) {
            q.msgs.forEachValue(m -> {
                long seg = JournalPos.segment(m.location);
                SegmentScan s = scans.get(seg);
                if (m.location < 0 || s == null || !s.readable(JournalPos.offset(m.location), m.storedBytes)) {
                    long[] c = lost.computeIfAbsent(seg, k -> new long[] {0, m.id});
                    c[0]++;
                    c[1] = Math.min(c[1], m.id);
                }
            });
        }
        for (Map.Entry<Long, long[]> e : lost.entrySet()) {
            SegmentScan s = scans.get(e.getKey());
            add(Segments.path(journalDir, e.getKey()), s == null ? 0 : s.validEnd(), Severity.DAMAGE, -1,
                    "live messages whose payload is in " + (s == null ? "this missing segment" : "a damaged part")
                            + ": " + e.getValue()[0] + " (lowest id " + MessageIds.format(e.getValue()[1])
                            + "); recovery opens, but they cannot be read");
        }
    }

    private void add(Path file, long offset, Severity severity, long position, String what) {
        String rel = dataDir.relativize(file).toString().replace('\\', '/');
        found.add(new Located(new Finding(rel, offset, severity, what), position));
    }

    /**
     * Whether a running process holds the data directory's lock: a shared lock on a read-only
     * channel, released at once, so nothing is written (a server starting in that instant would be
     * told the directory is in use, and can be started again).
     */
    static boolean locked(Path dataDir) throws IOException {
        Path lockFile = dataDir.resolve("LOCK");
        if (!Files.exists(lockFile)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.READ)) {
            FileLock l = ch.tryLock(0, Long.MAX_VALUE, true);
            if (l == null) {
                return true;
            }
            l.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        }
    }

    static List<Path> list(Path dir, String glob) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, glob)) {
            ds.forEach(out::add);
        }
        out.sort(null);
        return out;
    }
}
