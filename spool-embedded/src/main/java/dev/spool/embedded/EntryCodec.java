package dev.spool.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import dev.spool.api.MessageBody;
import dev.spool.api.Payload;

/**
 * The byte layout of one message inside a push record (little-endian):
 *
 * <pre>
 *  0  int32  entry length, all fields below and the payload included
 *  4  int64  id
 * 12  int64  ready at (epoch ms)
 * 20  int64  expires at (epoch ms)
 * 28  int8   priority
 * 29  int8   flags: 1 key, 2 dedup id, 4 traceparent, 8 dead-letter source
 * 30  int8   content type: 0 application/octet-stream, 1 application/json, 2 text/plain,
 *            3 text/plain; charset=utf-8, 255 a string follows
 * 31  [string key] [string dedup id, int64 dedup until] [string traceparent]
 *     [string source queue, string source group, int64 source id, string reason, int32 attempts]
 *     [string content type]
 *     int32 header count, then (string name, string value) per header
 *     int64 payload length, then the payload bytes
 * </pre>
 *
 * Strings are an int32 byte length (-1: absent) and UTF-8 bytes. A message's journal location
 * points at its entry length, so it can be read back without the enclosing record.
 */
final class EntryCodec {
    static final int FLAG_KEY = 1;
    static final int FLAG_DEDUP = 2;
    static final int FLAG_TRACE = 4;
    static final int FLAG_SOURCE = 8;
    /** Payloads up to this size are read onto the heap; larger ones are streamed from the segment. */
    static final int INLINE_READ_MAX = 64 * 1024;
    private static final String[] CONTENT_TYPES = {MessageBody.OCTET_STREAM, MessageBody.JSON, "text/plain",
        "text/plain; charset=utf-8"};
    private static final int FIXED = 31;

    private EntryCodec() {
    }

    /** What replay and reads need of an entry; {@code body} only when asked for. */
    record Meta(long id, long readyAt, long expiresAt, byte priority, String key, String dedupId, long dedupUntil,
            DeadSource source, int entryLength, MessageBody body) {
    }

    /**
     * Appends an entry. A streamed payload is spliced rather than copied.
     *
     * @return the entry's length
     */
    static int encode(Batch b, Msg m, MessageBody body, long readyAt, String dedupId, long dedupUntil) {
        int start = b.position();
        b.putInt(0);
        b.putLong(m.id);
        b.putLong(readyAt);
        b.putLong(m.expiresAt);
        b.putByte(m.priority);
        int flags = (m.key != null ? FLAG_KEY : 0) | (dedupId != null ? FLAG_DEDUP : 0)
                | (body.traceparent().isPresent() ? FLAG_TRACE : 0) | (m.source() != null ? FLAG_SOURCE : 0);
        b.putByte(flags);
        int ct = contentTypeCode(body.contentType());
        b.putByte(ct);
        if (m.key != null) {
            b.putString(m.key);
        }
        if (dedupId != null) {
            b.putString(dedupId);
            b.putLong(dedupUntil);
        }
        body.traceparent().ifPresent(b::putString);
        if (m.source() != null) {
            DeadSource s = m.source();
            b.putString(s.queue());
            b.putString(s.group());
            b.putLong(s.id());
            b.putString(s.reason());
            b.putInt(s.attempts());
        }
        if (ct == 255) {
            b.putString(body.contentType());
        }
        b.putInt(body.headers().size());
        for (Map.Entry<String, String> h : body.headers().entrySet()) {
            b.putString(h.getKey());
            b.putString(h.getValue());
        }
        Payload p = body.payload();
        b.putLong(p.size());
        long length = b.position() - start + p.size();
        if (p instanceof Payload.Inline in) {
            b.putBytes(in.bytes());
        } else {
            b.splices.add(new Batch.Splice(b.position(), (Payload.Streamed) p));
            b.splicedBytes += p.size();
        }
        b.buf.putInt(start, (int) length);
        return (int) length;
    }

    private static int contentTypeCode(String ct) {
        for (int i = 0; i < CONTENT_TYPES.length; i++) {
            if (CONTENT_TYPES[i].equals(ct)) {
                return i;
            }
        }
        return 255;
    }

    /**
     * Decodes an entry at {@code in}'s position and leaves {@code in} after it. With
     * {@code withBody}, the body is built too: a payload up to {@link #INLINE_READ_MAX} is read,
     * a larger one is streamed later from {@code file}, whose positions match {@code in}'s.
     */
    static Meta decode(RecordIn in, java.nio.file.Path file, boolean withBody) {
        long start = in.position();
        int length = in.getInt();
        long id = in.getLong();
        long readyAt = in.getLong();
        long expiresAt = in.getLong();
        byte priority = in.get();
        int flags = in.get() & 0xFF;
        int ct = in.get() & 0xFF;
        String key = (flags & FLAG_KEY) != 0 ? in.getString() : null;
        String dedupId = null;
        long dedupUntil = 0;
        if ((flags & FLAG_DEDUP) != 0) {
            dedupId = in.getString();
            dedupUntil = in.getLong();
        }
        String trace = (flags & FLAG_TRACE) != 0 ? in.getString() : null;
        DeadSource source = null;
        if ((flags & FLAG_SOURCE) != 0) {
            source = new DeadSource(in.getString(), in.getString(), in.getLong(), in.getString(), in.getInt());
        }
        String contentType = ct == 255 ? in.getString() : CONTENT_TYPES[ct];
        int headerCount = in.getInt();
        Map<String, String> headers = headerCount == 0 ? Map.of() : new LinkedHashMap<>();
        for (int i = 0; i < headerCount; i++) {
            String name = in.getString();
            headers.put(name, in.getString());
        }
        long payloadLength = in.getLong();
        MessageBody body = null;
        if (withBody) {
            Payload payload;
            if (payloadLength <= INLINE_READ_MAX) {
                payload = Payload.of(in.getBytes((int) payloadLength));
            } else {
                payload = new Payload.FileRegion(file, in.position(), payloadLength);
                in.skip(payloadLength);
            }
            body = new MessageBody(payload, contentType, headers, Optional.ofNullable(key), priority,
                    Optional.ofNullable(trace));
        } else {
            in.skip(payloadLength);
        }
        if (in.position() != start + length) {
            throw new IllegalStateException("entry at " + start + " is " + length + " bytes but decoded "
                    + (in.position() - start));
        }
        return new Meta(id, readyAt, expiresAt, priority, key, dedupId, dedupUntil, source, length, body);
    }

    /** Reads the body of the entry at {@code offset} of a segment file. */
    static MessageBody read(FileChannel ch, Path file, long offset, int entryLength) throws IOException {
        int want = Math.min(entryLength, 2 * INLINE_READ_MAX);
        ByteBuffer buf = ByteBuffer.allocate(want).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, buf, offset);
        buf.flip();
        return decode(new OffsetIn(buf, offset), file, true).body();
    }

    /** A buffer holding bytes that start at {@code base} of a file; may end before the payload. */
    private static final class OffsetIn implements RecordIn {
        private final RecordIn.OfBuffer in;
        private final ByteBuffer buf;
        private final long base;

        OffsetIn(ByteBuffer buf, long base) {
            this.in = new RecordIn.OfBuffer(buf);
            this.buf = buf;
            this.base = base;
        }

        @Override
        public byte get() {
            return in.get();
        }

        @Override
        public int getInt() {
            return in.getInt();
        }

        @Override
        public long getLong() {
            return in.getLong();
        }

        @Override
        public double getDouble() {
            return in.getDouble();
        }

        @Override
        public String getString() {
            return in.getString();
        }

        @Override
        public byte[] getBytes(int n) {
            return in.getBytes(n);
        }

        /** Bytes skipped past the end of the buffer (a payload that was not read). */
        private long beyond;

        @Override
        public void skip(long n) {
            long target = buf.position() + beyond + n;
            buf.position((int) Math.min(buf.limit(), target));
            beyond = target - buf.position();
        }

        @Override
        public long position() {
            return base + buf.position() + beyond;
        }
    }

    static void readFully(FileChannel ch, ByteBuffer buf, long offset) throws IOException {
        long pos = offset;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("segment ended at " + pos + " while reading an entry at " + offset);
            }
            pos += n;
        }
    }
}
