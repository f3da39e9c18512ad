package dev.spool.testkit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link FileChannel} that delegates everything to a real one and, on command, misbehaves the way
 * a disk or a crash does, so that storage tests can prove what recovery keeps.
 *
 * <p>Isolation of an external relationship, namely the file system: storage code that opens its
 * files through a seam can be handed this wrapper in tests. Faults, each armed for the next matching
 * call only (they disarm when they fire):
 * <ul>
 * <li>{@link #failNextWrite()}: the next write writes nothing and throws {@link IOException};</li>
 * <li>{@link #tearNextWrite(int)}: the next write writes only its first {@code n} bytes, then throws
 * (a torn write: what a crash in the middle of a write leaves);</li>
 * <li>{@link #failNextForce()}: the next {@link #force(boolean)} throws;</li>
 * <li>{@link #dropForces(boolean)}: while on, {@code force} returns without forcing anything
 * (a disk that lies about its cache); dropped calls are counted.</li>
 * </ul>
 * Writes are {@code write(ByteBuffer)}, the gathering and positional forms, and
 * {@code transferFrom}. Writes through {@link #map} bypass the faults. After a fault, the channel
 * stays open and usable, as a real channel does after an I/O error; a test that simulates a crash
 * closes it and reopens the file. Thread-safe: faults may be armed from the test thread while a
 * storage thread writes.
 */
public final class FaultInjectingFileChannel extends FileChannel {
    private final FileChannel delegate;
    private final Object faultLock = new Object();
    private boolean failNextWrite;
    private int tearNextWriteAt = -1;
    private boolean failNextForce;
    private volatile boolean dropForces;
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();
    private final AtomicLong forces = new AtomicLong();
    private final AtomicLong forcesDropped = new AtomicLong();
    private final AtomicLong faultsFired = new AtomicLong();

    private FaultInjectingFileChannel(FileChannel delegate) {
        this.delegate = delegate;
    }

    /** Wraps an open channel; closing the wrapper closes it. */
    public static FaultInjectingFileChannel wrap(FileChannel delegate) {
        if (delegate == null) {
            throw new IllegalArgumentException("delegate must not be null");
        }
        return new FaultInjectingFileChannel(delegate);
    }

    /** Opens a file as {@link FileChannel#open(Path, OpenOption...)} does and wraps it. */
    public static FaultInjectingFileChannel open(Path file, OpenOption... options) throws IOException {
        return wrap(FileChannel.open(file, options));
    }

    /** Opens a file as {@link FileChannel#open(Path, Set, java.nio.file.attribute.FileAttribute...)} does. */
    public static FaultInjectingFileChannel open(Path file, Set<? extends OpenOption> options) throws IOException {
        return wrap(FileChannel.open(file, options));
    }

    // ---- arming faults ----

    /** The next write writes nothing and throws {@link IOException}. */
    public void failNextWrite() {
        synchronized (faultLock) {
            failNextWrite = true;
        }
    }

    /**
     * The next write writes only its first {@code bytes} bytes (fewer if it is shorter), then
     * throws {@link IOException}.
     */
    public void tearNextWrite(int bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must be >= 0");
        }
        synchronized (faultLock) {
            tearNextWriteAt = bytes;
        }
    }

    /** The next {@link #force(boolean)} throws {@link IOException} without forcing. */
    public void failNextForce() {
        synchronized (faultLock) {
            failNextForce = true;
        }
    }

    /** While {@code on}, {@link #force(boolean)} silently does nothing. */
    public void dropForces(boolean on) {
        dropForces = on;
    }

    /** Disarms every pending fault and stops dropping forces. */
    public void heal() {
        synchronized (faultLock) {
            failNextWrite = false;
            tearNextWriteAt = -1;
            failNextForce = false;
        }
        dropForces = false;
    }

    // ---- observation ----

    /** Write calls that reached the file (torn ones included). */
    public long writeCount() {
        return writes.get();
    }

    /** Bytes that reached the file through write calls. */
    public long bytesWritten() {
        return bytesWritten.get();
    }

    /** {@code force} calls that really forced. */
    public long forceCount() {
        return forces.get();
    }

    /** {@code force} calls swallowed by {@link #dropForces(boolean)}. */
    public long forcesDropped() {
        return forcesDropped.get();
    }

    /** Faults that fired (failed writes, torn writes, failed forces). */
    public long faultsFired() {
        return faultsFired.get();
    }

    /** The wrapped channel. */
    public FileChannel delegate() {
        return delegate;
    }

    // ---- write paths ----

    /** What to do with the next write: -2 go ahead, -1 fail, n >= 0 tear after n bytes. */
    private int takeWriteFault() {
        synchronized (faultLock) {
            if (failNextWrite) {
                failNextWrite = false;
                faultsFired.incrementAndGet();
                return -1;
            }
            if (tearNextWriteAt >= 0) {
                int n = tearNextWriteAt;
                tearNextWriteAt = -1;
                faultsFired.incrementAndGet();
                return n;
            }
            return -2;
        }
    }

    private int counted(int n) {
        writes.incrementAndGet();
        bytesWritten.addAndGet(n);
        return n;
    }

    private static IOException injected(String what) {
        return new IOException("injected fault: " + what);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        int fault = takeWriteFault();
        if (fault == -2) {
            return counted(delegate.write(src));
        }
        if (fault == -1) {
            throw injected("write failed");
        }
        writePrefix(src, fault, -1);
        throw injected("write torn after " + fault + " bytes");
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        int fault = takeWriteFault();
        if (fault == -2) {
            return counted(delegate.write(src, position));
        }
        if (fault == -1) {
            throw injected("write failed");
        }
        writePrefix(src, fault, position);
        throw injected("write torn after " + fault + " bytes");
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        int fault = takeWriteFault();
        if (fault == -2) {
            long n = delegate.write(srcs, offset, length);
            writes.incrementAndGet();
            bytesWritten.addAndGet(n);
            return n;
        }
        if (fault == -1) {
            throw injected("write failed");
        }
        int left = fault;
        for (int i = offset; i < offset + length && left > 0; i++) {
            left -= writePrefix(srcs[i], left, -1);
        }
        throw injected("write torn after " + fault + " bytes");
    }

    /** Writes at most {@code limit} bytes of {@code src} (at {@code position} if >= 0); returns how many. */
    private int writePrefix(ByteBuffer src, int limit, long position) throws IOException {
        int n = Math.min(limit, src.remaining());
        ByteBuffer part = src.duplicate();
        part.limit(part.position() + n);
        long at = position;
        while (part.hasRemaining()) {
            int w = at >= 0 ? delegate.write(part, at) : delegate.write(part);
            if (at >= 0) {
                at += w;
            }
        }
        src.position(src.position() + n);
        counted(n);
        return n;
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        int fault = takeWriteFault();
        if (fault == -2) {
            long n = delegate.transferFrom(src, position, count);
            writes.incrementAndGet();
            bytesWritten.addAndGet(n);
            return n;
        }
        if (fault == -1) {
            throw injected("transfer failed");
        }
        long n = delegate.transferFrom(src, position, Math.min(count, fault));
        writes.incrementAndGet();
        bytesWritten.addAndGet(n);
        throw injected("transfer torn after " + n + " bytes");
    }

    @Override
    public void force(boolean metaData) throws IOException {
        synchronized (faultLock) {
            if (failNextForce) {
                failNextForce = false;
                faultsFired.incrementAndGet();
                throw injected("force failed");
            }
        }
        if (dropForces) {
            forcesDropped.incrementAndGet();
            return;
        }
        delegate.force(metaData);
        forces.incrementAndGet();
    }

    // ---- plain delegation ----

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return delegate.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return delegate.read(dsts, offset, length);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return delegate.read(dst, position);
    }

    @Override
    public long position() throws IOException {
        return delegate.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        delegate.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return delegate.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        delegate.truncate(size);
        return this;
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return delegate.transferTo(position, count, target);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        return delegate.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return new DelegatingLock(this, delegate.lock(position, size, shared));
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        FileLock l = delegate.tryLock(position, size, shared);
        return l == null ? null : new DelegatingLock(this, l);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        delegate.close();
    }

    @Override
    public String toString() {
        return "FaultInjectingFileChannel[" + delegate + "]";
    }

    /** A lock reported as held by the wrapper, released through the real one. */
    private static final class DelegatingLock extends FileLock {
        private final FileLock real;

        DelegatingLock(FileChannel owner, FileLock real) {
            super(owner, real.position(), real.size(), real.isShared());
            this.real = real;
        }

        @Override
        public boolean isValid() {
            return real.isValid();
        }

        @Override
        public void release() throws IOException {
            real.release();
        }
    }
}
