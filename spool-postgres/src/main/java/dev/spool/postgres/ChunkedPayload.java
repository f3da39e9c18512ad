package dev.spool.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.concurrent.CompletionException;

import dev.spool.api.Payload;
import dev.spool.api.SpoolException;

/**
 * A large payload read from {@code spool_chunks} one 256 KiB chunk at a time, so that a 64 MiB
 * message never sits whole on the heap. Each chunk is one query on the broker's pool; the reader
 * must not run on a pool thread. Reading fails with an IOException once the message is gone
 * (acknowledged and not retained).
 *
 * @param db the pool to read through
 * @param msgId the message
 * @param size its size in bytes
 */
record ChunkedPayload(Db db, long msgId, long size) implements Payload.Streamed {

    @Override
    public InputStream openStream() {
        return new ChunkStream();
    }

    @Override
    public void transferTo(WritableByteChannel target) throws IOException {
        long chunks = (size + Codec.CHUNK - 1) / Codec.CHUNK;
        for (int seq = 0; seq < chunks; seq++) {
            ByteBuffer buf = ByteBuffer.wrap(chunk(seq));
            while (buf.hasRemaining()) {
                target.write(buf);
            }
        }
    }

    byte[] chunk(int seq) throws IOException {
        try {
            byte[] data = db.call(c -> {
                try (PreparedStatement ps = c.prepareStatement(Sql.get("read_chunk"))) {
                    ps.setLong(1, msgId);
                    ps.setInt(2, seq);
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next() ? rs.getBytes(1) : null;
                    }
                }
            }).join();
            if (data == null) {
                throw new IOException("payload of message " + msgId + " is no longer stored (chunk " + seq + ")");
            }
            return data;
        } catch (CompletionException e) {
            throw new IOException("reading payload chunk " + seq + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (SpoolException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "ChunkedPayload[" + msgId + ", " + size + " bytes]";
    }

    private final class ChunkStream extends InputStream {
        private byte[] current = new byte[0];
        private int pos;
        private int nextSeq;
        private long remaining = size;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (remaining <= 0) {
                return -1;
            }
            if (pos == current.length) {
                current = chunk(nextSeq++);
                pos = 0;
                if (current.length == 0) {
                    throw new IOException("empty chunk in payload of message " + msgId);
                }
            }
            int n = (int) Math.min(Math.min(len, current.length - pos), remaining);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            remaining -= n;
            return n;
        }
    }
}
