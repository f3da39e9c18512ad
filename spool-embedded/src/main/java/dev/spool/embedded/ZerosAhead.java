package dev.spool.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Zeros ahead of the {@link JournalWriter}'s records: a small commit that would grow the segment's
 * file first writes {@value #BYTES} bytes of zeros past its end (never past the segment size), so
 * that the fsyncs of the next small commits overwrite blocks the file already has and need no
 * file-size update in the file system's own journal (on ext4 an appending fdatasync measured about
 * three times the cost of an overwriting one). The zeros past the last record are cut off when a
 * segment is rolled or closed, and recovery cuts an all-zero tail silently ({@link Journal}); a
 * commit larger than {@value #MAX_COMMIT} bytes appends as before, its fsync's metadata update
 * being small beside its data.
 *
 * <p>Keeps the current segment's file size; used by the writer thread only.
 */
final class ZerosAhead {
    /** Bytes of zeros written past the end of the file before a small commit that would grow it. */
    static final int BYTES = 1 << 20;
    /** Commits larger than this append without writing zeros ahead. */
    static final int MAX_COMMIT = 256 << 10;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 << 10);

    /** Zeros ahead stop at this size: a segment's file is not made larger than it by them. */
    private final long segmentBytes;
    /** The current segment's size: from the write position up to here it holds zeros written ahead. */
    private long fileEnd;

    ZerosAhead(long segmentBytes, FileChannel current) {
        this.segmentBytes = segmentBytes;
        reset(current);
    }

    /** A new segment was opened: its size is where the zeros ahead start. */
    void reset(FileChannel ch) {
        try {
            fileEnd = ch.size();
        } catch (IOException e) {
            fileEnd = Long.MAX_VALUE;
        }
    }

    /**
     * Before a commit of {@code bytes} (negative: unknown) that would grow the file: writes the
     * zeros past its end, not past the segment size. Positional writes: the records still go where
     * they would.
     */
    void before(FileChannel ch, long bytes) throws IOException {
        long at = ch.position();
        if (bytes < 0 || bytes > MAX_COMMIT || at + bytes <= fileEnd) {
            return;
        }
        long p = Math.max(at, fileEnd);
        long target = Math.min(at + bytes + BYTES, Math.max(at + bytes, segmentBytes));
        try {
            while (p < target) {
                ByteBuffer z = ZEROS.duplicate();
                z.limit((int) Math.min(z.capacity(), target - p));
                p += ch.write(z, p);
            }
            fileEnd = p;
        } catch (IOException e) {
            if (!WriteFailures.noSpace(e)) {
                throw e;
            }
            // a nearly full disk: the records may still fit where the zeros did not
            fileEnd = ch.size();
        }
    }

    /**
     * Cuts the zeros written ahead past the last record (before a roll or a close); true when it cut
     * (the new size then needs a force with metadata).
     */
    boolean cut(FileChannel ch) throws IOException {
        long at = ch.position();
        if (fileEnd <= at) {
            return false;
        }
        ch.truncate(at);
        fileEnd = at;
        return true;
    }
}
