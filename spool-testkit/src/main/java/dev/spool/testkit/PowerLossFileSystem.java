package dev.spool.testkit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A file system for durability tests that remembers what a real disk would lose in a power cut.
 *
 * <p>Isolation of an external relationship, namely the disk: storage code opens, renames, deletes
 * and syncs through this object, and the bytes really go to the files below, so the code under test
 * runs as usual. Alongside, the model keeps what is not yet durable:
 * <ul>
 * <li>per file, every write and truncate since its last {@code force}, with the bytes it replaced;</li>
 * <li>per directory, every create, delete and rename since its last {@link #syncDir} (a deleted
 * file is parked in a trash directory until then, so the cut can bring it back).</li>
 * </ul>
 * {@link #cut(Random)} is the power cut: it stops every further call (they throw), then rewinds the
 * real files to a state the disk could have been left in: per directory a random prefix of the
 * unsynced entry changes survives and the rest is undone; per file either every unforced write is
 * dropped, or a random prefix of them survives with the write at the cut torn at a sector
 * boundary (its tail lost or read back as zeros), or all survive (the page cache made it to the
 * disk). Writes reach the disk in the order they were made; a disk that reorders writes inside the
 * unforced region is not modelled (see {@code docs/engine.md}).
 *
 * <p>{@link #ignoreForces(boolean)} makes {@code force} a no-op that forces nothing: the mutation
 * "the fsync was removed", which a good durability test must catch. Thread-safe: every mutating
 * call holds one lock while it records and performs its change, so the cut sees a consistent state.
 */
public final class PowerLossFileSystem {
    /** The unit a torn write is cut at. */
    public static final int SECTOR = 512;

    private final Object lock = new Object();
    private final Path trash;
    private final Map<Path, List<Op>> unforced = new HashMap<>();
    private final Map<Path, List<DirOp>> unsynced = new HashMap<>();
    private boolean dead;
    /** Mutating calls left before the armed cut, or -1. */
    private long cutIn = -1;
    private Random cutRandom;
    private Cut lastCut;
    private boolean ignoreForces;
    private long trashSeq;
    private long forces;

    /** One unforced change to a file's bytes: {@code old} is what [offset, offset + old.length) held. */
    private record Op(long offset, byte[] old, byte[] written, long sizeBefore, boolean truncate) {
    }

    private sealed interface DirOp {
    }

    private record Created(Path file) implements DirOp {
    }

    private record Deleted(Path file, Path parked) implements DirOp {
    }

    private record Renamed(Path from, Path to, Path replacedParked) implements DirOp {
    }

    /** What one {@link #cut} did, for the test's report. */
    public record Cut(int filesRewound, long bytesDropped, int tornWrites, int entriesUndone) {
    }

    /** Model over the real files; deleted files are parked under {@code trash} until their directory syncs. */
    public PowerLossFileSystem(Path trash) throws IOException {
        this.trash = Files.createDirectories(trash);
    }

    // ---- the file system calls ----

    /** Opens a file; a file this creates is an unsynced entry of its directory. */
    public FileChannel open(Path file, OpenOption... options) throws IOException {
        Path f = key(file);
        List<OpenOption> opts = List.of(options);
        synchronized (lock) {
            if (opts.contains(StandardOpenOption.WRITE)) {
                alive();
            } else if (dead) {
                throw new IOException("the power is off (simulated power loss)");
            }
            boolean existed = Files.exists(f);
            if (existed && opts.contains(StandardOpenOption.TRUNCATE_EXISTING)) {
                try (FileChannel before = FileChannel.open(f, StandardOpenOption.READ)) {
                    recordTruncate(f, before, 0);
                }
            }
            FileChannel real = FileChannel.open(f, options);
            if (!existed) {
                dirOps(f.getParent()).add(new Created(f));
            }
            return new Channel(f, real);
        }
    }

    /** Deletes a file if it exists (parks it until the directory syncs). */
    public void delete(Path file) throws IOException {
        Path f = key(file);
        synchronized (lock) {
            alive();
            if (!Files.exists(f)) {
                return;
            }
            Path parked = park(f);
            dirOps(f.getParent()).add(new Deleted(f, parked));
        }
    }

    /** Renames atomically, replacing the target. */
    public void move(Path from, Path to) throws IOException {
        Path a = key(from);
        Path b = key(to);
        synchronized (lock) {
            alive();
            Path replaced = Files.exists(b) ? park(b) : null;
            Files.move(a, b, StandardCopyOption.ATOMIC_MOVE);
            moveOps(a, b);
            dirOps(b.getParent()).add(new Renamed(a, b, replaced));
        }
    }

    /** Makes a directory's entries durable. */
    public void syncDir(Path dir) throws IOException {
        synchronized (lock) {
            alive();
            unsynced.remove(key(dir));
        }
    }

    /**
     * Arms a cut just before the {@code calls}-th next mutating call (a write, truncate, force,
     * create, delete, rename or directory sync), which then fails: the power goes at an I/O point,
     * typically between a write and its force or between a rename and its directory sync.
     */
    public void cutAfter(long calls, Random random) {
        synchronized (lock) {
            cutIn = calls;
            cutRandom = random;
        }
    }

    /** The cut that happened (armed or called), or null while the power is on. */
    public Cut lastCut() {
        synchronized (lock) {
            return lastCut;
        }
    }

    /** Whether the power is off. */
    public boolean isCut() {
        synchronized (lock) {
            return dead;
        }
    }

    /** While on, {@code force} forces nothing: the "fsync removed" mutation. */
    public void ignoreForces(boolean on) {
        synchronized (lock) {
            ignoreForces = on;
        }
    }

    /** Forces that took effect. */
    public long forces() {
        synchronized (lock) {
            return forces;
        }
    }

    /** Bytes written and not yet forced, over all files. */
    public long unforcedBytes() {
        synchronized (lock) {
            long n = 0;
            for (List<Op> ops : unforced.values()) {
                for (Op o : ops) {
                    n += o.truncate ? 0 : o.written.length;
                }
            }
            return n;
        }
    }

    // ---- the power cut ----

    /**
     * Cuts the power: every later call on this object or its channels throws, and the real files
     * are rewound to what the disk kept, chosen with {@code random}.
     */
    public Cut cut(Random random) throws IOException {
        synchronized (lock) {
            if (dead) {
                return lastCut;
            }
            dead = true;
            int undone = 0;
            for (Map.Entry<Path, List<DirOp>> e : unsynced.entrySet()) {
                List<DirOp> ops = e.getValue();
                int keep = random.nextInt(4) == 0 ? ops.size() : random.nextInt(ops.size() + 1);
                for (int i = ops.size() - 1; i >= keep; i--) {
                    undo(ops.get(i));
                    undone++;
                }
            }
            unsynced.clear();
            int rewound = 0;
            int torn = 0;
            long dropped = 0;
            for (Map.Entry<Path, List<Op>> e : unforced.entrySet()) {
                if (!Files.exists(e.getKey()) || e.getValue().isEmpty()) {
                    continue;
                }
                List<Op> ops = e.getValue();
                int mode = random.nextInt(3);
                if (ops.size() == 1 && mode == 2) {
                    mode = 1; // one unforced write (the usual group commit): tear it more often
                }
                int keep = mode == 0 ? 0 : mode == 1 ? random.nextInt(ops.size() + 1) : ops.size();
                if (keep == ops.size()) {
                    continue;
                }
                rewound++;

                try (FileChannel ch = FileChannel.open(e.getKey(), StandardOpenOption.WRITE)) {
                    for (int i = ops.size() - 1; i >= keep; i--) {
                        Op o = ops.get(i);
                        dropped += o.truncate ? 0 : o.written.length;
                        rewind(ch, o);
                    }
                    if (mode == 1 && !ops.get(keep).truncate) {
                        torn += tear(ch, ops.get(keep), random) ? 1 : 0;
                    }
                    ch.force(true);
                }
            }
            unforced.clear();
            lastCut = new Cut(rewound, dropped, torn, undone);
            return lastCut;
        }
    }

    private void undo(DirOp op) throws IOException {
        switch (op) {
            case Created c -> {
                Files.deleteIfExists(c.file());
                unforced.remove(c.file());
            }
            case Deleted d -> {
                Files.move(d.parked(), d.file(), StandardCopyOption.ATOMIC_MOVE);
                moveOps(d.parked(), d.file());
            }
            case Renamed r -> {
                Files.move(r.to(), r.from(), StandardCopyOption.ATOMIC_MOVE);
                moveOps(r.to(), r.from());
                if (r.replacedParked() != null) {
                    Files.move(r.replacedParked(), r.to(), StandardCopyOption.ATOMIC_MOVE);
                    moveOps(r.replacedParked(), r.to());
                }
            }
        }
    }

    private static void rewind(FileChannel ch, Op o) throws IOException {
        if (o.old.length > 0) {
            ByteBuffer b = ByteBuffer.wrap(o.old);
            long p = o.offset;
            while (b.hasRemaining()) {
                p += ch.write(b, p);
            }
        }
        if (ch.size() > o.sizeBefore) {
            ch.truncate(o.sizeBefore);
        }
    }

    /** Re-applies the start of a write cut at a sector boundary; the rest is lost or zeros. */
    private static boolean tear(FileChannel ch, Op o, Random random) throws IOException {
        long end = o.offset + o.written.length;
        long firstBoundary = (o.offset / SECTOR + 1) * SECTOR;
        List<Long> cuts = new ArrayList<>();
        cuts.add(o.offset);
        for (long c = firstBoundary; c < end; c += SECTOR) {
            cuts.add(c);
        }
        long at = cuts.get(random.nextInt(cuts.size()));
        int keep = (int) (at - o.offset);
        if (keep > 0) {
            ByteBuffer b = ByteBuffer.wrap(o.written, 0, keep);
            long p = o.offset;
            while (b.hasRemaining()) {
                p += ch.write(b, p);
            }
        }
        if (random.nextBoolean() && end > o.sizeBefore) {
            // the file grew but the data never came: the lost sectors read back as zeros
            long zeroFrom = Math.max(at, o.sizeBefore);
            ByteBuffer z = ByteBuffer.allocate((int) (end - zeroFrom));
            long p = zeroFrom;
            while (z.hasRemaining()) {
                p += ch.write(z, p);
            }
        }
        return true;
    }

    // ---- bookkeeping ----

    private static Path key(Path p) {
        return p.toAbsolutePath().normalize();
    }

    private void alive() throws IOException {
        if (!dead && cutIn >= 0 && cutIn-- == 0) {
            lastCut = cut(cutRandom);
        }
        if (dead) {
            throw new IOException("the power is off (simulated power loss)");
        }
    }

    private List<DirOp> dirOps(Path dir) {
        return unsynced.computeIfAbsent(dir, d -> new ArrayList<>());
    }

    private Path park(Path f) throws IOException {
        Path parked = trash.resolve((trashSeq++) + "-" + f.getFileName());
        Files.move(f, parked, StandardCopyOption.ATOMIC_MOVE);
        moveOps(f, parked);
        return parked;
    }

    private void moveOps(Path from, Path to) {
        List<Op> ops = unforced.remove(from);
        if (ops != null) {
            unforced.put(to, ops);
        }
    }

    private void recordWrite(Path f, FileChannel real, long offset, ByteBuffer src) throws IOException {
        long size = real.size();
        int n = src.remaining();
        int overlap = (int) Math.max(0, Math.min(n, size - offset));
        byte[] old = new byte[overlap];
        if (overlap > 0) {
            ByteBuffer b = ByteBuffer.wrap(old);
            long p = offset;
            while (b.hasRemaining()) {
                int r = real.read(b, p);
                if (r < 0) {
                    break;
                }
                p += r;
            }
        }
        byte[] written = new byte[n];
        src.duplicate().get(written);
        unforced.computeIfAbsent(f, k -> new ArrayList<>()).add(new Op(offset, old, written, size, false));
    }

    private void recordTruncate(Path f, FileChannel real, long newSize) throws IOException {
        long size = real.size();
        if (newSize >= size) {
            return;
        }
        byte[] old = new byte[(int) (size - newSize)];
        ByteBuffer b = ByteBuffer.wrap(old);
        long p = newSize;
        while (b.hasRemaining()) {
            int r = real.read(b, p);
            if (r < 0) {
                break;
            }
            p += r;
        }
        unforced.computeIfAbsent(f, k -> new ArrayList<>()).add(new Op(newSize, old, new byte[0], size, true));
    }

    /** A channel whose writes, truncations and forces go through the model; reads go straight through. */
    private final class Channel extends ForwardingFileChannel {
        private final Path file;

        Channel(Path file, FileChannel real) {
            super(real);
            this.file = file;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            synchronized (lock) {
                alive();
                recordWrite(file, real(), real().position(), src);
                return real().write(src);
            }
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            long n = 0;
            for (int i = offset; i < offset + length; i++) {
                n += write(srcs[i]);
            }
            return n;
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            synchronized (lock) {
                alive();
                recordWrite(file, real(), position, src);
                return real().write(src, position);
            }
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            synchronized (lock) {
                alive();
                recordTruncate(file, real(), size);
                real().truncate(size);
                return this;
            }
        }

        @Override
        public void force(boolean metaData) throws IOException {
            synchronized (lock) {
                alive();
                if (ignoreForces) {
                    return;
                }
                real().force(metaData);
                unforced.remove(file);
                forces++;
            }
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            ByteBuffer b = ByteBuffer.allocate((int) Math.min(count, 1 << 20));
            long done = 0;
            while (done < count) {
                b.clear().limit((int) Math.min(b.capacity(), count - done));
                int r = src.read(b);
                if (r <= 0) {
                    break;
                }
                b.flip();
                done += write(b, position + done);
            }
            return done;
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            throw new UnsupportedOperationException("memory-mapped writes bypass the power-loss model");
        }
    }
}
