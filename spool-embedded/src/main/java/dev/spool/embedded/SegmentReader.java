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
     * damage in the middle of durable data (valid records follow). Slow, but it runs only on damage.
     */
    static long findValidAfter(FileChannel ch, long bad) throws IOException {
        long size = ch.size();
        ByteBuffer window = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        long windowStart = -1;
        int windowLen = 0;
        for (long p = bad + 1; p + RecordType.FRAME <= size; p++) {
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
            if (new SegmentReader(ch, p).next() != null) {
                return p;
            }
        }
        return -1;
    }
}
