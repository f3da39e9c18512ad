package dev.spool.server;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.core.SerializableString;

/**
 * UTF-8 bytes that a byte-based {@link com.fasterxml.jackson.core.JsonGenerator} copies verbatim
 * ({@code writeRawValue}/{@code writeRaw}): how a stored JSON payload goes back out without being
 * decoded to a {@code String} and re-encoded. The bytes must already be valid JSON (the push path
 * guarantees it for {@code application/json} payloads).
 */
final class RawJson implements SerializableString {
    private final byte[] bytes;
    private final int off;
    private final int len;

    RawJson(byte[] bytes, int off, int len) {
        this.bytes = bytes;
        this.off = off;
        this.len = len;
    }

    @Override
    public String getValue() {
        return new String(bytes, off, len, StandardCharsets.UTF_8);
    }

    @Override
    public int charLength() {
        return getValue().length();
    }

    @Override
    public char[] asQuotedChars() {
        throw new UnsupportedOperationException("raw JSON is never quoted");
    }

    @Override
    public byte[] asUnquotedUTF8() {
        byte[] out = new byte[len];
        System.arraycopy(bytes, off, out, 0, len);
        return out;
    }

    @Override
    public byte[] asQuotedUTF8() {
        throw new UnsupportedOperationException("raw JSON is never quoted");
    }

    @Override
    public int appendQuotedUTF8(byte[] buffer, int offset) {
        throw new UnsupportedOperationException("raw JSON is never quoted");
    }

    @Override
    public int appendQuoted(char[] buffer, int offset) {
        throw new UnsupportedOperationException("raw JSON is never quoted");
    }

    @Override
    public int appendUnquotedUTF8(byte[] buffer, int offset) {
        if (offset + len > buffer.length) {
            return -1;
        }
        System.arraycopy(bytes, off, buffer, offset, len);
        return len;
    }

    @Override
    public int appendUnquoted(char[] buffer, int offset) {
        String s = getValue();
        if (offset + s.length() > buffer.length) {
            return -1;
        }
        s.getChars(0, s.length(), buffer, offset);
        return s.length();
    }

    @Override
    public int writeQuotedUTF8(OutputStream out) {
        throw new UnsupportedOperationException("raw JSON is never quoted");
    }

    @Override
    public int writeUnquotedUTF8(OutputStream out) throws java.io.IOException {
        out.write(bytes, off, len);
        return len;
    }

    @Override
    public int putQuotedUTF8(ByteBuffer buffer) {
        throw new UnsupportedOperationException("raw JSON is never quoted");
    }

    @Override
    public int putUnquotedUTF8(ByteBuffer buffer) {
        if (buffer.remaining() < len) {
            return -1;
        }
        buffer.put(bytes, off, len);
        return len;
    }
}
