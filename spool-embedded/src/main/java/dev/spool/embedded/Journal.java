package dev.spool.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spool.api.BrokerSettings;

/**
 * The embedded engine's durable storage: segment files of CRC-checked records in
 * {@code <data-dir>/journal}, snapshots in {@code <data-dir>/snapshots}, and a {@code LOCK} file
 * that keeps a second process out.
 *
 * <p>Opening recovers: the newest snapshot that verifies and whose following segments are all
 * present is loaded (the two newest are kept, so one damaged snapshot costs only a longer replay),
 * every record after its position is replayed, and a torn tail of the last segment (the unforced
 * end of the last write before a crash: a bad record that no valid record follows) is truncated,
 * its bytes kept in {@code <data-dir>/recovered}. Anything else is damage to data that was already
 * durable: a bad record followed by valid ones, a bad record in an earlier segment, a missing
 * segment, or no usable snapshot after segments were reclaimed. The open then refuses with a
 * {@link JournalCorruptException} that names the file and offset, and changes nothing; {@code spool
 * journal check} and {@code spool journal repair} are the tools for it. See {@link RecordType},
 * {@link EntryCodec}, {@link Segments} and {@link SnapshotCodec} for the byte layouts and
 * {@code docs/engine.md} for the design.
 */
final class Journal {
    private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
    /** Largest task result: results are kept on the heap. */
    static final int MAX_RESULT_BYTES = 1 << 20;
    static final String SNAPSHOT_SUFFIX = ".snap";
    private static final String TMP_SUFFIX = ".tmp";

    private final Path journalDir;
    private final Path snapshotDir;
    private final JournalFiles files;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ExecutorService snapshotThread;
    private JournalWriter writer;
    private JournalWal wal;
    private Space space;
    private Engine engine;
    private AtRestCodec atRest = AtRestCodec.NONE;
    /** Whether the last open loaded a snapshot (else it replayed the journal from segment 1). */
    private boolean recoveredFromSnapshot;

    private Journal(Path journalDir, Path snapshotDir, JournalFiles files, FileChannel lockChannel, FileLock lock) {
        this.journalDir = journalDir;
        this.snapshotDir = snapshotDir;
        this.files = files;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.snapshotThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "spool-snapshot");
            t.setDaemon(true);
            return t;
        });
    }

    static Journal open(EmbeddedConfig config, BrokerSettings settings, LongSupplier clock) throws IOException {
        return open(config, settings, clock, JournalFiles.REAL);
    }

    static Journal open(EmbeddedConfig config, BrokerSettings settings, LongSupplier clock, JournalFiles files)
            throws IOException {
        Path data = config.dataDir().orElseThrow();
        Path journalDir = data.resolve("journal");
        Path snapshotDir = data.resolve("snapshots");
        Files.createDirectories(journalDir);
        Files.createDirectories(snapshotDir);
        FileChannel lockChannel = FileChannel.open(data.resolve("LOCK"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock = lockChannel.tryLock();
        if (lock == null) {
            lockChannel.close();
            throw new IOException("the data directory " + data + " is in use by another Spool process");
        }
        Journal j = new Journal(journalDir, snapshotDir, files, lockChannel, lock);
        try {
            j.recover(config, settings, clock);
        } catch (IOException | RuntimeException e) {
            j.closeFiles();
            throw e;
        }
        return j;
    }

    /** Where recovery starts: a loaded snapshot (or an empty state) and the position after it. */
    private record Start(StateMachine sm, Replayer replayer, long position, long cutoff, boolean fromSnapshot) {
    }

    private void recover(EmbeddedConfig config, BrokerSettings settings, LongSupplier clock) throws IOException {
        long t0 = System.nanoTime();
        atRest = AtRestCodec.of(settings.atRest());
        removeUnfinishedSnapshots();
        List<Long> segs = Segments.list(journalDir);
        Start start = chooseStart(segs, clock);
        recoveredFromSnapshot = start.fromSnapshot();
        StateMachine sm = start.sm();
        long lastSeg = JournalPos.segment(start.position());
        long end = JournalPos.offset(start.position());
        long records = 0;
        for (int i = 0; i < segs.size(); i++) {
            long seg = segs.get(i);
            if (seg < JournalPos.segment(start.position())) {
                continue;
            }
            boolean last = i == segs.size() - 1;
            Path path = Segments.path(journalDir, seg);
            long from = seg == JournalPos.segment(start.position()) ? JournalPos.offset(start.position())
                    : Segments.HEADER;
            try (FileChannel ch = files.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                if (!Segments.validHeader(ch, seg)) {
                    if (last && ch.size() <= Segments.HEADER && seg != JournalPos.segment(start.position())) {
                        // its creation was cut short: no record was ever written to it
                        LOG.warn("removing segment {} whose header was never completely written", seg);
                        ch.close();
                        files.delete(path);
                        files.syncDir(journalDir);
                        break;
                    }
                    throw new JournalCorruptException(path, 0, "the segment header is damaged");
                }
                SegmentReader reader = new SegmentReader(ch, from);
                SegmentReader.Record r;
                while ((r = reader.next()) != null) {
                    try {
                        start.replayer().apply(r, seg);
                    } catch (RuntimeException e) {
                        throw new JournalCorruptException(path, r.position(), "the record passes its CRC32C but "
                                + "cannot be applied (" + e + ")");
                    }
                    records++;
                }
                if (reader.problem() != null) {
                    truncateTornTail(ch, path, reader, last);
                }
                lastSeg = seg;
                end = reader.validEnd();
            }
        }
        FileChannel current;
        Path currentPath = Segments.path(journalDir, lastSeg);
        if (Files.exists(currentPath)) {
            current = files.open(currentPath, StandardOpenOption.READ, StandardOpenOption.WRITE);
            current.position(end);
        } else {
            current = Segments.create(files, journalDir, lastSeg);
            end = Segments.HEADER;
        }
        long endPos = JournalPos.of(lastSeg, end);
        writer = new JournalWriter(journalDir, config, settings.instrumentation(), current, lastSeg, endPos,
                files);
        space = new Space(this, config);
        wal = new JournalWal(writer, journalDir, config, lastSeg, end, space, atRest);
        space.attach(sm, wal, start.position(), start.cutoff(), Segments.list(journalDir));
        space.rekeyBefore(KeyMarker.rekeyBefore(journalDir, settings.atRest(), lastSeg));
        engine = new Engine(sm, settings, clock, config.commandQueueCapacity(), config.flow());
        engine.wal = wal;
        writer.start();
        space.reclaim(JournalPos.segment(start.cutoff()), clock.getAsLong());
        long messages = sm.queues.values().stream().mapToLong(q -> q.msgs.size()).sum();
        LOG.info("journal recovered in {} ms: {} queues, {} messages, {} records replayed{}",
                (System.nanoTime() - t0) / 1_000_000, sm.queues.size(), messages, records,
                start.fromSnapshot() ? " after a snapshot" : "");
    }

    /**
     * A bad record in the last segment is a torn tail only if no valid record follows it: then it is
     * the unforced end of the last write, never acknowledged, and is cut off (its bytes kept in
     * {@code recovered/}). Otherwise it is damage to durable data and the open refuses.
     */
    private void truncateTornTail(FileChannel ch, Path path, SegmentReader reader, boolean last) throws IOException {
        long bad = reader.validEnd();
        if (!last) {
            throw new JournalCorruptException(path, bad, reader.problem() + ", and later segments exist");
        }
        if (zerosFrom(ch, bad)) {
            // zeros the writer wrote ahead of its records (JournalWriter): nothing was ever there
            LOG.debug("cutting {} zero bytes written ahead at the end of {}", ch.size() - bad, path.getFileName());
            ch.truncate(bad);
            ch.force(true);
            return;
        }
        long next = SegmentReader.findValidAfter(ch, bad);
        if (next >= 0) {
            throw new JournalCorruptException(path, bad, reader.problem() + ", but a valid record follows at offset "
                    + next);
        }
        Path kept = keepTail(ch, path, bad);
        LOG.warn("truncating the torn tail of {} at offset {} ({}); its {} bytes were never acknowledged and "
                + "are kept in {}", path.getFileName(), bad, reader.problem(), ch.size() - bad, kept);
        ch.truncate(bad);
        ch.force(true);
    }

    /** Whether every byte of the file from {@code from} on is zero. */
    static boolean zerosFrom(FileChannel ch, long from) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1 << 16);
        long p = from;
        long size = ch.size();
        while (p < size) {
            b.clear().limit((int) Math.min(b.capacity(), size - p));
            EntryCodec.readFully(ch, b, p);
            for (int i = 0; i < b.limit(); i++) {
                if (b.get(i) != 0) {
                    return false;
                }
            }
            p += b.limit();
        }
        return true;
    }

    private Path keepTail(FileChannel ch, Path path, long from) throws IOException {
        Path dir = journalDir.getParent().resolve("recovered");
        Files.createDirectories(dir);
        Path out = dir.resolve(path.getFileName() + "." + from + ".tail");
        try (FileChannel o = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.transferTo(from, ch.size() - from, o);
        }
        return out;
    }

    /**
     * The newest snapshot that decodes and is followed by every segment it needs; else the start of
     * the journal if segment 1 is still there; else the state cannot be rebuilt and the open refuses.
     */
    private Start chooseStart(List<Long> segs, LongSupplier clock) throws IOException {
        List<Path> snaps = snapshots();
        for (int i = snaps.size() - 1; i >= 0; i--) {
            Path p = snaps.get(i);
            SnapshotCodec.Loaded loaded;
            try {
                byte[] bytes = Files.readAllBytes(p);
                loaded = SnapshotCodec.decode(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN), atRest);
            } catch (IOException | RuntimeException e) {
                LOG.error("snapshot {} is unreadable ({}); trying an older one", p, e.toString());
                continue;
            }
            String gap = missingSegment(segs, JournalPos.segment(loaded.position()));
            if (gap != null) {
                LOG.error("snapshot {} cannot be used: {}; trying an older one", p.getFileName(), gap);
                continue;
            }
            long cutoff = loaded.position();
            if (i > 0 && verifies(snaps.get(i - 1))) {
                cutoff = positionOf(snaps.get(i - 1));
            }
            return new Start(loaded.sm(), (Replayer) loaded.sm().listener, loaded.position(), cutoff, true);
        }
        long first = segs.isEmpty() ? 1 : segs.get(0);
        String gap = missingSegment(segs, 1);
        if (gap != null) {
            throw new JournalCorruptException(snaps.isEmpty() ? journalDir : snaps.get(snaps.size() - 1), 0,
                    "the state cannot be rebuilt: " + (snaps.isEmpty() ? "there is no snapshot"
                            : "no snapshot is usable (" + snaps.size() + " found)")
                    + " and the journal no longer starts at segment 1 (" + gap + ")");
        }
        StateMachine sm = new StateMachine(clock.getAsLong());
        sm.atRest = atRest;
        long start = JournalPos.of(first, Segments.HEADER);
        return new Start(sm, new Replayer(sm), start, start, false);
    }

    /** Why the segments from {@code from} on are not all present, or null if they are. */
    private static String missingSegment(List<Long> segs, long from) {
        long expect = from;
        for (long s : segs) {
            if (s < from) {
                continue;
            }
            if (s != expect) {
                return "segment " + expect + " is missing";
            }
            expect++;
        }
        if (expect == from && !(segs.isEmpty() && from == 1)) {
            return "segment " + from + " is missing";
        }
        return null;
    }

    Engine engine() {
        return engine;
    }

    /**
     * Whether the disk takes writes again: writes and forces a 1 MiB probe file next to the
     * segments, then deletes it. Used after the writer stopped, before reopening in place.
     */
    boolean probeWrite() {
        Path probe = journalDir.resolve("space-probe.tmp");
        try (FileChannel ch = files.open(probe, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.allocate(1 << 20);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            return false;
        } finally {
            try {
                files.delete(probe);
            } catch (IOException | RuntimeException e) {
                // removed by the next probe
            }
        }
        return true;
    }

    JournalWal wal() {
        return wal;
    }

    Space space() {
        return space;
    }

    Path journalDir() {
        return journalDir;
    }

    JournalWriter writer() {
        return writer;
    }

    boolean recoveredFromSnapshot() {
        return recoveredFromSnapshot;
    }

    // ---- snapshots ----

    private List<Path> snapshots() throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(snapshotDir, "*" + SNAPSHOT_SUFFIX)) {
            ds.forEach(out::add);
        }
        out.sort(null);
        return out;
    }

    private void removeUnfinishedSnapshots() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(snapshotDir, "*" + SNAPSHOT_SUFFIX + TMP_SUFFIX)) {
            for (Path p : ds) {
                files.delete(p);
            }
        }
    }

    static String snapshotName(long pos) {
        return String.format("%016x", pos) + SNAPSHOT_SUFFIX;
    }

    private static long positionOf(Path snapshot) {
        String n = snapshot.getFileName().toString();
        return Long.parseUnsignedLong(n.substring(0, n.length() - SNAPSHOT_SUFFIX.length()), 16);
    }

    /** Whether a snapshot file is whole: its trailing CRC32C matches every byte before it. */
    static boolean verifies(Path snapshot) {
        try {
            byte[] b = Files.readAllBytes(snapshot);
            if (b.length < 12) {
                return false;
            }
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(b, 0, b.length - 4);
            return (int) crc.getValue() == ByteBuffer.wrap(b, b.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Writes a snapshot once the journal is forced up to {@code pos} (so it never names records a
     * power loss could take back), reads it back to verify it, and hands the outcome to the engine
     * thread through {@link Space#snapshotFinished}, which never drops it.
     */
    void writeSnapshot(Batch bytes, long pos) {
        snapshotThread.execute(() -> {
            boolean ok = false;
            Path target = snapshotDir.resolve(snapshotName(pos));
            Path tmp = snapshotDir.resolve(snapshotName(pos) + TMP_SUFFIX);
            try {
                writer.awaitForced(pos);
                try (FileChannel ch = files.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    ByteBuffer b = ByteBuffer.wrap(bytes.buf.array(), 0, bytes.position());
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                    ch.force(true);
                }
                files.move(tmp, target);
                files.syncDir(snapshotDir);
                if (!verifies(target)) {
                    files.delete(target);
                    throw new IOException("the snapshot read back does not match its CRC32C");
                }
                ok = true;
            } catch (IOException | RuntimeException e) {
                LOG.error("writing the snapshot at {} failed ({}); retrying later, the journal keeps growing "
                        + "until one succeeds", Long.toHexString(pos), e.toString());
                try {
                    files.delete(tmp);
                } catch (IOException | RuntimeException ignored) {
                    // removed at the next open
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            space.snapshotFinished(pos, ok);
            engine.wake();
        });
    }

    /**
     * Keeps the snapshot at {@code pos} and the one before it, deletes older ones, and returns the
     * position the journal must be kept from: the older kept snapshot, so that if the newest one
     * is ever unreadable the state is rebuilt from the other with nothing missing.
     */
    long keepSnapshots(long pos) {
        long cutoff = pos;
        try {
            List<Path> snaps = snapshots();
            String name = snapshotName(pos);
            Path previous = null;
            for (Path p : snaps) {
                if (p.getFileName().toString().compareTo(name) < 0) {
                    previous = p;
                }
            }
            if (previous != null) {
                cutoff = positionOf(previous);
            }
            for (Path p : snaps) {
                if (p.getFileName().toString().compareTo(name) < 0 && !p.equals(previous)) {
                    files.delete(p);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not delete old snapshots: {}", e.toString());
        }
        return cutoff;
    }

    /** Deletes a dead segment on the snapshot thread (unlink + dir sync take ms), or here once it is down. */
    void deleteSegment(long seg) {
        Runnable delete = () -> {
            try {
                files.delete(Segments.path(journalDir, seg));
                files.syncDir(journalDir);
            } catch (IOException | RuntimeException e) {
                LOG.warn("could not delete segment {}: {}", seg, e.toString());
            }
        };
        try {
            snapshotThread.execute(delete);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            delete.run();
        }
    }

    /** Stops the writer (writing what is queued) and releases the files. */
    void closeFiles() {
        if (writer != null) {
            writer.close();
        }
        snapshotThread.shutdown();
        try {
            snapshotThread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            LOG.warn("releasing the data directory lock failed: {}", e.toString());
        }
    }
}
