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
 * A large payload read one 256 KiB chunk at a time, so that a 64 MiB message or lock state never
 * sits whole on the heap. Each chunk is one query on the broker's pool; the reader must not run on
 * a pool thread. Reading fails with an IOException once the bytes are gone (the message acknowledged
 * and not retained, the lock state replaced).
 *
 * @param db the pool to read through
 * @param statement the statement that reads chunk {@code (id, seq)}: {@code read_chunk} of a message
 *        in {@code spool_chunks}, {@code read_lock_chunk} of a state document in {@code spool_lock_chunks}
 * @param msgId the message or state document
 * @param size its size in bytes
 */
record ChunkedPayload(Db db, String statement, long msgId, long size) implements Payload.Streamed {

    /** A message payload in {@code spool_chunks}. */
    ChunkedPayload(Db db, long msgId, long size) {
        this(db, "read_chunk", msgId, size);
    }

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
                try (PreparedStatement ps = c.prepareStatement(Sql.get(statement))) {
                    ps.setLong(1, msgId);
                    ps.setInt(2, seq);
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next() ? rs.getBytes(1) : null;
                    }
                }
            }).join();
            if (data == null) {
                throw new IOException("payload " + msgId + " is no longer stored (chunk " + seq + ")");
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
