package dev.spool.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;

/** Buffered sequential reads of a segment file; skips without reading (used for large records). */
final class FileIn implements RecordIn {
    private final FileChannel ch;
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    private long bufStart;

    FileIn(FileChannel ch, long position) {
        this.ch = ch;
        this.bufStart = position;
        buf.limit(0);
    }

    private void need(int n) {
        if (buf.remaining() >= n) {
            return;
        }
        long pos = position();
        buf.compact();
        bufStart = pos - buf.position();
        try {
            while (buf.position() < n) {
                int r = ch.read(buf, bufStart + buf.position());
                if (r < 0) {
                    throw new IllegalStateException("segment ended inside a record at " + pos);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        buf.flip();
    }

    @Override
    public byte get() {
        need(1);
        return buf.get();
    }

    @Override
    public int getInt() {
        need(4);
        return buf.getInt();
    }

    @Override
    public long getLong() {
        need(8);
        return buf.getLong();
    }

    @Override
    public double getDouble() {
        need(8);
        return buf.getDouble();
    }

    @Override
    public String getString() {
        int n = getInt();
        return n < 0 ? null : new String(getBytes(n), StandardCharsets.UTF_8);
    }

    @Override
    public byte[] getBytes(int n) {
        byte[] out = new byte[n];
        int off = 0;
        while (off < n) {
            need(1);
            int k = Math.min(n - off, buf.remaining());
            buf.get(out, off, k);
            off += k;
        }
        return out;
    }

    @Override
    public void skip(long n) {
        if (n <= buf.remaining()) {
            buf.position((int) (buf.position() + n));
            return;
        }
        long target = position() + n;
        bufStart = target;
        buf.clear().limit(0);
    }

    @Override
    public long position() {
        return bufStart + buf.position();
    }
}
