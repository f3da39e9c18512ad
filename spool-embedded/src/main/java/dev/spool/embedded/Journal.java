package dev.spool.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
 * <p>Opening recovers: the newest valid snapshot is loaded, every record after its position is
 * replayed, and a torn or corrupt tail of the last segment (a crash in the middle of a write) is
 * truncated. A bad record in an earlier segment means damage to data that was already durable; it
 * stops the open with an error rather than dropping what follows. See {@link RecordType},
 * {@link EntryCodec}, {@link Segments} and {@link SnapshotCodec} for the byte layouts and
 * {@code docs/engine.md} for the design.
 */
final class Journal {
    private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
    /** Largest task result: results are kept on the heap. */
    static final int MAX_RESULT_BYTES = 1 << 20;
    private static final String SNAPSHOT_SUFFIX = ".snap";

    private final Path journalDir;
    private final Path snapshotDir;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ExecutorService snapshotThread;
    private JournalWriter writer;
    private JournalWal wal;
    private Space space;
    private Engine engine;

    private Journal(Path journalDir, Path snapshotDir, FileChannel lockChannel, FileLock lock) {
        this.journalDir = journalDir;
        this.snapshotDir = snapshotDir;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.snapshotThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "spool-snapshot");
            t.setDaemon(true);
            return t;
        });
    }

    static Journal open(EmbeddedConfig config, BrokerSettings settings, LongSupplier clock) throws IOException {
        return open(config, settings, clock, Segments::create);
    }

    static Journal open(EmbeddedConfig config, BrokerSettings settings, LongSupplier clock,
            JournalWriter.FileChannelFactory files) throws IOException {
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
        Journal j = new Journal(journalDir, snapshotDir, lockChannel, lock);
        try {
            j.recover(config, settings, clock, files);
        } catch (IOException | RuntimeException e) {
            j.closeFiles();
            throw e;
        }
        return j;
    }

    private void recover(EmbeddedConfig config, BrokerSettings settings, LongSupplier clock,
            JournalWriter.FileChannelFactory files) throws IOException {
        long t0 = System.nanoTime();
        List<Long> segs = Segments.list(journalDir);
        SnapshotCodec.Loaded snap = loadSnapshot();
        long first = segs.isEmpty() ? 1 : segs.get(0);
        StateMachine sm = snap != null ? snap.sm() : new StateMachine(clock.getAsLong());
        Replayer replayer = snap != null ? (Replayer) sm.listener : new Replayer(sm);
        long start = snap != null ? snap.position() : JournalPos.of(first, Segments.HEADER);
        long lastSeg = JournalPos.segment(start);
        long end = JournalPos.offset(start);
        long records = 0;
        for (int i = 0; i < segs.size(); i++) {
            long seg = segs.get(i);
            if (seg < JournalPos.segment(start)) {
                continue;
            }
            boolean last = i == segs.size() - 1;
            try (FileChannel ch = FileChannel.open(Segments.path(journalDir, seg), StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                if (!Segments.validHeader(ch, seg)) {
                    if (!last) {
                        throw new IOException("segment " + seg + " has a damaged header and is not the last one");
                    }
                    LOG.warn("removing segment {} whose header was never completely written", seg);
                    Files.delete(Segments.path(journalDir, seg));
                    Segments.syncDir(journalDir);
                    break;
                }
                long from = seg == JournalPos.segment(start) ? JournalPos.offset(start) : Segments.HEADER;
                SegmentReader reader = new SegmentReader(ch, from);
                SegmentReader.Record r;
                while ((r = reader.next()) != null) {
                    replayer.apply(r, seg);
                    records++;
                }
                if (reader.problem() != null) {
                    if (!last) {
                        throw new IOException("segment " + seg + " is damaged (" + reader.problem()
                                + ") and later segments exist; refusing to drop durable data");
                    }
                    LOG.warn("truncating the journal tail in segment {}: {}", seg, reader.problem());
                    ch.truncate(reader.validEnd());
                    ch.force(true);
                }
                lastSeg = seg;
                end = reader.validEnd();
            }
        }
        FileChannel current;
        Path currentPath = Segments.path(journalDir, lastSeg);
        if (Files.exists(currentPath)) {
            current = FileChannel.open(currentPath, StandardOpenOption.READ, StandardOpenOption.WRITE);
            current.position(end);
        } else {
            current = files.create(journalDir, lastSeg);
            end = Segments.HEADER;
        }
        long endPos = JournalPos.of(lastSeg, end);
        writer = new JournalWriter(journalDir, config.fsync(), settings.instrumentation(), current, lastSeg, endPos,
                files);
        space = new Space(this, config);
        wal = new JournalWal(writer, journalDir, config, lastSeg, end, space);
        space.attach(sm, wal, start, Segments.list(journalDir));
        engine = new Engine(sm, settings, clock, config.commandQueueCapacity());
        engine.wal = wal;
        writer.start();
        space.reclaim(JournalPos.segment(start), clock.getAsLong());
        long messages = sm.queues.values().stream().mapToLong(q -> q.msgs.size()).sum();
        LOG.info("journal recovered in {} ms: {} queues, {} messages, {} records replayed{}",
                (System.nanoTime() - t0) / 1_000_000, sm.queues.size(), messages, records,
                snap != null ? " after a snapshot" : "");
    }

    Engine engine() {
        return engine;
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

    // ---- snapshots ----

    private SnapshotCodec.Loaded loadSnapshot() throws IOException {
        List<Path> snaps = snapshots();
        for (int i = snaps.size() - 1; i >= 0; i--) {
            Path p = snaps.get(i);
            try {
                byte[] bytes = Files.readAllBytes(p);
                return SnapshotCodec.decode(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
            } catch (IOException | RuntimeException e) {
                LOG.error("snapshot {} is unreadable ({}); trying an older one", p, e.toString());
            }
        }
        return null;
    }

    private List<Path> snapshots() throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(snapshotDir, "*" + SNAPSHOT_SUFFIX)) {
            ds.forEach(out::add);
        }
        out.sort(null);
        return out;
    }

    private static String snapshotName(long pos) {
        return String.format("%016x", pos) + SNAPSHOT_SUFFIX;
    }

    /** Writes a snapshot once the journal is durable up to {@code pos}; reports back on the engine thread. */
    void writeSnapshot(Batch bytes, long pos) {
        snapshotThread.execute(() -> {
            boolean ok = false;
            try {
                writer.awaitDurable(pos);
                Path tmp = snapshotDir.resolve(snapshotName(pos) + ".tmp");
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    ByteBuffer b = ByteBuffer.wrap(bytes.buf.array(), 0, bytes.position());
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                    ch.force(true);
                }
                move(tmp, snapshotDir.resolve(snapshotName(pos)));
                Segments.syncDir(snapshotDir);
                ok = true;
            } catch (IOException | RuntimeException e) {
                LOG.error("writing the snapshot at {} failed; the journal keeps growing until one succeeds",
                        Long.toHexString(pos), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            boolean written = ok;
            engine.submit(new Command.Task(() -> space.snapshotWritten(pos, written, engine.now),
                    new CompletableFuture<>()));
        });
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Deletes snapshots older than the one at {@code pos}. */
    void deleteSnapshotsBefore(long pos) {
        try {
            for (Path p : snapshots()) {
                if (p.getFileName().toString().compareTo(snapshotName(pos)) < 0) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            LOG.warn("could not delete old snapshots: {}", e.toString());
        }
    }

    void deleteSegment(long seg) {
        try {
            Files.deleteIfExists(Segments.path(journalDir, seg));
            Segments.syncDir(journalDir);
        } catch (IOException e) {
            LOG.warn("could not delete segment {}: {}", seg, e.toString());
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
