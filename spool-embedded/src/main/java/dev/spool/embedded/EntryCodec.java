package dev.spool.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32C;

import dev.spool.api.ErrorCode;
import dev.spool.api.MessageBody;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;

/**
 * The byte layout of one message inside a push or relocate record (little-endian):
 *
 * <pre>
 *  0  int32  entry length, all fields below and the payload included
 *  4  int32  CRC32C of bytes 12 up to the payload (every field below, the payload length included)
 *  8  int32  CRC32C of the payload bytes
 * 12  int64  id
 * 20  int64  ready at (epoch ms)
 * 28  int64  expires at (epoch ms)
 * 36  int8   priority
 * 37  int8   flags: 1 key, 2 dedup id, 4 traceparent, 8 dead-letter source, 16 sealed (segment
 *            format 3 on: the payload bytes are an {@link dev.spool.api.crypto.Envelope}, the
 *            payload length is the sealed length, and the payload CRC32C covers the sealed bytes)
 * 38  int8   content type: 0 application/octet-stream, 1 application/json, 2 text/plain,
 *            3 text/plain; charset=utf-8, 255 a string follows
 * 39  [string key] [string dedup id, int64 dedup until] [string traceparent]
 *     [string source queue, string source group, int64 source id, string reason, int32 attempts]
 *     [string content type]
 *     int32 header count, then (string name, string value) per header
 *     int64 payload length, then the payload bytes
 * </pre>
 *
 * Strings are an int32 byte length (-1: absent) and UTF-8 bytes. A message's journal location
 * points at its entry length, so it can be read back without the enclosing record.
 *
 * <p>The two CRCs exist because a message is read back alone, without its record (whose CRC32C
 * only replay checks): every read of an entry from a segment ({@link #read}) checks the fields it
 * decodes and every payload byte it hands out, a large payload included (it is read through once
 * to check it before its file region is returned, so a pop of an n-byte payload costs one extra
 * sequential read of n bytes), and refuses a mismatch as corruption naming the segment and offset.
 * Compaction moves a message by reading it this way, so it never copies damaged bytes forward
 * under a fresh record CRC. A streamed payload's CRC is the one it carries when known
 * ({@link Payload.Streamed#crc32c()}: the server computes it while it spools an upload, and a
 * payload read back from a segment was just checked against its entry's), else it is read through
 * once when its entry is encoded; the journal writer then copies the bytes without reading them
 * ({@link JournalWriter}), so the payload CRC is the one checksum of those bytes until they are read
 * back.
 */
final class EntryCodec {
    static final int FLAG_KEY = 1;
    static final int FLAG_DEDUP = 2;
    static final int FLAG_TRACE = 4;
    static final int FLAG_SOURCE = 8;
    static final int FLAG_SEALED = 16;
    /** Payloads up to this size are read onto the heap; larger ones are streamed from the segment. */
    static final int INLINE_READ_MAX = 64 * 1024;
    private static final String[] CONTENT_TYPES = {MessageBody.OCTET_STREAM, MessageBody.JSON, "text/plain",
        "text/plain; charset=utf-8"};
    /** Bytes before the optional fields. */
    static final int FIXED = 39;
    private static final ThreadLocal<CRC32C> CRC = ThreadLocal.withInitial(CRC32C::new);
    /** Chunks in which a streamed payload is read for its CRC32C, one per reading thread. */
    private static final ThreadLocal<ByteBuffer> READ_CHUNK = ThreadLocal.withInitial(
            () -> ByteBuffer.allocateDirect(256 << 10));

    private EntryCodec() {
    }

    /** What replay and reads need of an entry; {@code body} only when asked for. */
    record Meta(long id, long readyAt, long expiresAt, byte priority, String key, String dedupId, long dedupUntil,
            DeadSource source, int entryLength, MessageBody body, boolean sealed) {
    }

    /**
     * Appends an entry. A streamed payload is spliced rather than copied.
     *
     * @param sealed the payload's sealed form to store instead of the body's payload, or null
     * @return the entry's length
     */
    static int encode(Batch b, Msg m, MessageBody body, long readyAt, String dedupId, long dedupUntil,
            Payload sealed) {
        int start = b.position();
        b.putInt(0);
        b.putInt(0);
        b.putInt(0);
        b.putLong(m.id);
        b.putLong(readyAt);
        b.putLong(m.expiresAt);
        b.putByte(m.priority);
        int flags = (m.key != null ? FLAG_KEY : 0) | (dedupId != null ? FLAG_DEDUP : 0)
                | (body.traceparent().isPresent() ? FLAG_TRACE : 0) | (m.source() != null ? FLAG_SOURCE : 0)
                | (sealed != null ? FLAG_SEALED : 0);
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
        Payload p = sealed != null ? sealed : body.payload();
        b.putLong(p.size());
        long length = b.position() - start + p.size();
        CRC32C crc = CRC.get();
        crc.reset();
        crc.update(b.buf.array(), start + 12, b.position() - start - 12);
        int fieldsCrc = (int) crc.getValue();
        int payloadCrc;
        if (p instanceof Payload.Inline in) {
            crc.reset();
            crc.update(in.bytes());
            payloadCrc = (int) crc.getValue();
            b.putBytes(in.bytes());
        } else {
            payloadCrc = crcOf((Payload.Streamed) p);
            b.splices.add(new Batch.Splice(b.position(), (Payload.Streamed) p, payloadCrc));
            b.splicedBytes += p.size();
        }
        b.buf.putInt(start, (int) length);
        b.buf.putInt(start + 4, fieldsCrc);
        b.buf.putInt(start + 8, payloadCrc);
        return (int) length;
    }

    /** CRC32C of a streamed payload: the one it carries, else read through once. */
    static int crcOf(Payload.Streamed p) {
        java.util.OptionalInt known = p.crc32c();
        if (known.isPresent()) {
            if (p instanceof Payload.FileRegion r) {
                requireBytes(r);
            }
            return known.getAsInt();
        }
        if (p instanceof Payload.FileRegion r) {
            try (FileChannel ch = FileChannel.open(r.file(), java.nio.file.StandardOpenOption.READ)) {
                return crcOfRegion(ch, r.offset(), r.size());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        CRC32C crc = new CRC32C();
        byte[] chunk = new byte[64 * 1024];
        long remaining = p.size();
        try (java.io.InputStream in = p.openStream()) {
            while (remaining > 0) {
                int n = in.read(chunk, 0, (int) Math.min(chunk.length, remaining));
                if (n < 0) {
                    throw new IOException("payload ended " + remaining + " bytes early");
                }
                crc.update(chunk, 0, n);
                remaining -= n;
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return (int) crc.getValue();
    }

    /**
     * Fails (before anything is applied) when a file region's file does not hold its bytes: the
     * writer copies it without reading it first, and a copy that fails there stops the journal.
     */
    private static void requireBytes(Payload.FileRegion r) {
        long length;
        try {
            length = java.nio.file.Files.size(r.file());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (length < r.offset() + r.size()) {
            throw new java.io.UncheckedIOException(new IOException("payload file " + r.file() + " holds " + length
                    + " bytes, fewer than its region ends at (" + (r.offset() + r.size()) + ")"));
        }
    }

    /**
     * A streamed payload whose CRC32C is already known (computed before the state changed, so a
     * payload that cannot be read fails the push before anything is applied).
     */
    record Checked(Payload.Streamed payload, int crc) implements Payload.Streamed {
        @Override
        public long size() {
            return payload.size();
        }

        @Override
        public java.util.OptionalInt crc32c() {
            return java.util.OptionalInt.of(crc);
        }

        @Override
        public java.io.InputStream openStream() throws IOException {
            return payload.openStream();
        }

        @Override
        public void transferTo(java.nio.channels.WritableByteChannel target) throws IOException {
            payload.transferTo(target);
        }
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
        in.getInt();
        in.getInt();
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
        return new Meta(id, readyAt, expiresAt, priority, key, dedupId, dedupUntil, source, length, body,
                (flags & FLAG_SEALED) != 0);
    }

    /**
     * Reads the entry at {@code offset} of a segment file with its body, checking both CRCs. A
     * sealed entry's body holds the sealed bytes ({@link Meta#sealed}): the caller opens them.
     *
     * @throws SpoolException {@link ErrorCode#INTERNAL} naming the file and offset when a CRC does
     *         not match (the journal is damaged there)
     */
    static Meta read(FileChannel ch, Path file, long offset, int entryLength) throws IOException {
        int want = Math.min(entryLength, 2 * INLINE_READ_MAX);
        ByteBuffer buf = ByteBuffer.allocate(want).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, buf, offset);
        buf.flip();
        int fieldsCrc = buf.getInt(4);
        int payloadCrc = buf.getInt(8);
        RecordIn.OfBuffer in = RecordIn.OfBuffer.endingEarly(buf, offset);
        Meta meta;
        try {
            meta = decode(in, file, true);
        } catch (RuntimeException e) {
            throw corrupt(file, offset, "its fields do not decode (" + e.getMessage() + ")");
        }
        MessageBody body = meta.body();
        long size = body.payload().size();
        long payloadAt = entryLength - size;
        if (payloadAt < FIXED || payloadAt > buf.limit()) {
            throw corrupt(file, offset, "its payload length " + size + " does not fit its entry of " + entryLength
                    + " bytes");
        }
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 12, (int) payloadAt - 12);
        if ((int) crc.getValue() != fieldsCrc) {
            throw corrupt(file, offset, "its fields fail their CRC32C");
        }
        int actual;
        if (body.payload() instanceof Payload.Inline p) {
            crc.reset();
            crc.update(p.bytes());
            actual = (int) crc.getValue();
        } else {
            actual = crcOfRegion(ch, offset + payloadAt, size);
        }
        if (actual != payloadCrc) {
            throw corrupt(file, offset, "its payload of " + size + " bytes fails its CRC32C");
        }
        if (body.payload() instanceof Payload.FileRegion r) {
            // just checked: whoever copies it (compaction) need not read it for its CRC again
            Payload checked = new Payload.FileRegion(r.file(), r.offset(), r.size(),
                    java.util.OptionalInt.of(payloadCrc));
            MessageBody b = new MessageBody(checked, body.contentType(), body.headers(), body.key(), body.priority(),
                    body.traceparent());
            return new Meta(meta.id(), meta.readyAt(), meta.expiresAt(), meta.priority(), meta.key(), meta.dedupId(),
                    meta.dedupUntil(), meta.source(), meta.entryLength(), b, meta.sealed());
        }
        return meta;
    }

    private static SpoolException corrupt(Path file, long offset, String what) {
        return new SpoolException(ErrorCode.INTERNAL, "journal corruption: the message entry at offset " + offset
                + " of segment " + file + " cannot be read: " + what);
    }

    /**
     * The CRC32C of {@code size} bytes of {@code ch} from {@code offset}, read through a direct
     * buffer of the calling thread (one copy from the page cache, none onto the heap).
     */
    static int crcOfRegion(FileChannel ch, long offset, long size) throws IOException {
        ByteBuffer chunk = READ_CHUNK.get();
        CRC32C crc = CRC.get();
        crc.reset();
        for (long pos = offset, end = offset + size; pos < end; pos += chunk.limit()) {
            chunk.clear().limit((int) Math.min(chunk.capacity(), end - pos));
            readFully(ch, chunk, pos);
            chunk.flip();
            crc.update(chunk);
            chunk.flip();
        }
        return (int) crc.getValue();
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
