package dev.spool.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * Reads the records of one segment in order and checks each: its length must fit in the file and
 * its CRC32C must match. The first record that fails ends the reading; {@link #validEnd()} is
 * where the good records end (a torn tail after a crash starts there).
 */
final class SegmentReader {
    /** A checked record; {@code body} is positioned after the frame header, positions are file offsets. */
    record Record(int type, long time, long position, int length, RecordIn body) {
    }

    private static final int IN_MEMORY_MAX = 4 << 20;

    private final FileChannel ch;
    private final long size;
    private long pos;
    private String problem;

    SegmentReader(FileChannel ch, long start) throws IOException {
        this.ch = ch;
        this.size = ch.size();
        this.pos = start;
    }

    long validEnd() {
        return pos;
    }

    /** Why reading stopped before the end of the file, or null. */
    String problem() {
        return problem;
    }

    /** The next valid record, or null at the end of the file or at the first bad record. */
    Record next() throws IOException {
        if (pos + 4 > size) {
            if (pos < size) {
                problem = (size - pos) + " trailing bytes at " + pos;
            }
            return null;
        }
        ByteBuffer lb = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        EntryCodec.readFully(ch, lb, pos);
        int length = lb.getInt(0);
        if (length < RecordType.FRAME || pos + length > size) {
            problem = "record at " + pos + " claims " + length + " bytes, " + (size - pos) + " remain";
            return null;
        }
        Record r = length <= IN_MEMORY_MAX ? inMemory(length) : streamed(length);
        if (r == null) {
            problem = "record at " + pos + " fails its CRC32C";
            return null;
        }
        if (!RecordType.isKnown(r.type())) {
            problem = "record at " + pos + " has unknown type " + r.type();
            return null;
        }
        pos += length;
        return r;
    }

    private Record inMemory(int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        EntryCodec.readFully(ch, b, pos);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, length - 4);
        if ((int) crc.getValue() != b.getInt(length - 4)) {
            return null;
        }
        b.position(13);
        b.limit(length - 4);
        return new Record(b.get(4), b.getLong(5), pos, length, new RecordIn.OfBuffer(b, pos));
    }

    private Record streamed(int length) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        long p = pos;
        long end = pos + length - 4;
        byte type = 0;
        long time = 0;
        while (p < end) {
            chunk.clear().limit((int) Math.min(chunk.capacity(), end - p));
            EntryCodec.readFully(ch, chunk, p);
            if (p == pos) {
                type = chunk.get(4);
                time = chunk.getLong(5);
            }
            crc.update(chunk.array(), 0, chunk.limit());
            p += chunk.limit();
        }
        ByteBuffer c = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        EntryCodec.readFully(ch, c, end);
        if ((int) crc.getValue() != c.getInt(0)) {
            return null;
        }
        return new Record(type, time, pos, length, new FileIn(ch, pos + 13));
    }

    /**
     * The offset of the first valid record that starts after {@code bad}, or -1. After a bad record
     * this tells a torn tail (nothing valid follows: the end of the last write, never forced) from
     * damage in the middle of durable data (valid records follow). It runs only on damage.
     *
     * <p>Every byte offset is tried. One whose first bytes could start a record (a length that fits
     * in the file, a known type) is a candidate; its CRC32C, over the length it claims, is taken from
     * the CRCs of the file's bytes up to its start and up to its end ({@link Crc32c#combine}), which
     * one read of the file gives for all candidates at once. Checking each candidate by reading its
     * claimed length made a torn large record cost the square of its size (8 MiB torn: 3 s; tens of
     * MiB: minutes). A candidate whose CRC matches is then read as a record, as before.
     */
    static long findValidAfter(FileChannel ch, long bad) throws IOException {
        long size = ch.size();
        long from = bad + 1;
        while (from + RecordType.FRAME <= size) {
            Candidates c = candidates(ch, from, size);
            long found = c.firstValid(ch, from);
            if (found >= 0) {
                return found;
            }
            if (c.next < 0) {
                return -1;
            }
            from = c.next;
        }
        return -1;
    }

    /** At most this many candidates are checked per read of the file (16 MiB of offsets). */
    private static final int MAX_CANDIDATES = 1 << 20;

    /** Offsets from {@code from} on whose header could start a record, up to {@link #MAX_CANDIDATES}. */
    private static Candidates candidates(FileChannel ch, long from, long size) throws IOException {
        Candidates c = new Candidates();
        ByteBuffer window = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        long windowStart = -1;
        int windowLen = 0;
        for (long p = from; p + RecordType.FRAME <= size; p++) {
            if (windowStart < 0 || p + 5 > windowStart + windowLen) {
                window.clear();
                window.limit((int) Math.min(window.capacity(), size - p));
                EntryCodec.readFully(ch, window, p);
                windowStart = p;
                windowLen = window.limit();
            }
            int at = (int) (p - windowStart);
            int length = window.getInt(at);
            int type = window.get(at + 4);
            if (length < RecordType.FRAME || p + length > size || !RecordType.isKnown(type)) {
                continue;
            }
            if (c.count == MAX_CANDIDATES) {
                c.next = p;
                return c;
            }
            c.add(p, p + length - 4);
        }
        return c;
    }

    /** Candidate records: where each starts and where its CRC32C is stored. */
    private static final class Candidates {
        long[] starts = new long[64];
        long[] crcAt = new long[64];
        int count;
        /** Where the search goes on when there were more candidates than one batch takes; -1 when none. */
        long next = -1;

        void add(long start, long crcPos) {
            if (count == starts.length) {
                starts = java.util.Arrays.copyOf(starts, count * 2);
                crcAt = java.util.Arrays.copyOf(crcAt, count * 2);
            }
            starts[count] = start;
            crcAt[count] = crcPos;
            count++;
        }

        /** The first candidate that is a valid record, or -1; CRCs are counted from {@code from}. */
        long firstValid(FileChannel ch, long from) throws IOException {
            if (count == 0) {
                return -1;
            }
            long[] marks = new long[count * 2];
            System.arraycopy(starts, 0, marks, 0, count);
            System.arraycopy(crcAt, 0, marks, count, count);
            java.util.Arrays.sort(marks);
            int[] prefix = prefixCrcs(ch, from, marks);
            ByteBuffer stored = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < count; i++) {
                long p = starts[i];
                long e = crcAt[i];
                int atStart = prefix[java.util.Arrays.binarySearch(marks, p)];
                int atEnd = prefix[java.util.Arrays.binarySearch(marks, e)];
                // CRC(A) and CRC(A followed by B) give CRC(B): combine(CRC(A), CRC(B), |B|) = shift(CRC(A)) ^ CRC(B)
                int range = atEnd ^ Crc32c.combine(atStart, 0, e - p);
                stored.clear();
                EntryCodec.readFully(ch, stored, e);
                if (range == stored.getInt(0) && new SegmentReader(ch, p).next() != null) {
                    return p;
                }
            }
            return -1;
        }
    }

    /** The CRC32C of the file's bytes from {@code from} up to each of the sorted {@code marks}, in one read. */
    private static int[] prefixCrcs(FileChannel ch, long from, long[] marks) throws IOException {
        int[] out = new int[marks.length];
        CRC32C crc = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        long pos = from;
        int i = 0;
        while (i < marks.length) {
            while (i < marks.length && marks[i] == pos) {
                out[i++] = (int) crc.getValue();
            }
            if (i == marks.length) {
                break;
            }
            buf.clear().limit((int) Math.min(buf.capacity(), marks[i] - pos));
            EntryCodec.readFully(ch, buf, pos);
            crc.update(buf.array(), 0, buf.limit());
            pos += buf.limit();
        }
        return out;
    }
}
