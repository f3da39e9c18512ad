package dev.spool.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import dev.spool.api.ErrorCode;
import dev.spool.api.SpoolException;

/**
 * Typed reading of a JSON request with Jackson's streaming parser, where every type or range error
 * names the field as the client wrote it ({@code messages[2].priority}).
 *
 * <p>Broken JSON becomes {@code bad_request}; a value of the wrong type becomes
 * {@code invalid_argument} with the field. A JSON {@code null} reads as "absent" wherever a value is
 * optional.
 */
final class JsonIn {
    private final JsonParser p;
    /** The whole input the parser reads, when it is one byte array: raw values are sliced from it. */
    private final byte[] source;
    /** Where the parser's input starts in {@link #source} (the parser counts byte offsets from it). */
    private final int base;
    private final int limit;
    /** The raw bytes of a binary stream frame that payloads are taken from ({@code payload_bytes}), or null. */
    private FrameAttachment attachment;

    JsonIn(JsonParser parser) {
        this(parser, null, 0, 0);
    }

    /** A reader over {@code parser}, which must read exactly {@code source} from its first byte. */
    JsonIn(JsonParser parser, byte[] source) {
        this(parser, source, 0, source.length);
    }

    /** A reader over {@code parser}, which must read {@code length} bytes of {@code source} from {@code offset}. */
    JsonIn(JsonParser parser, byte[] source, int offset, int length) {
        this.p = parser;
        this.source = source;
        this.base = offset;
        this.limit = length;
    }

    /** This reader, taking {@code payload_bytes} from {@code a} (null: there is no attachment). */
    JsonIn attach(FrameAttachment a) {
        this.attachment = a;
        return this;
    }

    /**
     * The current value, a byte count, as that many bytes taken from the frame's attachment.
     *
     * @throws SpoolException {@code invalid_argument} on {@code field} when there is no attachment or
     *         too few bytes are left in it
     */
    byte[] readAttached(String field) throws IOException {
        long n = readLong(field);
        if (attachment == null) {
            throw SpoolException.invalid(field, "payload_bytes names bytes of a binary stream frame's attachment,"
                    + " and this request has none (docs/api.md)");
        }
        return attachment.take(n, field);
    }

    /** Checks that the ops read took every byte of the attachment, if there is one. */
    void endAttachment(String field) {
        if (attachment != null) {
            attachment.checkAllTaken(field);
        }
    }

    /** Advances to the next token; end of input inside a document is a malformed request. */
    JsonToken next() throws IOException {
        JsonToken t = p.nextToken();
        if (t == null) {
            throw new SpoolException(ErrorCode.BAD_REQUEST, "malformed JSON: unexpected end of input");
        }
        return t;
    }

    /** The current token. */
    JsonToken current() {
        return p.currentToken();
    }

    /** Reads the first token of a document, which must open an object. */
    void beginDocument(String what) throws IOException {
        JsonToken t = p.nextToken();
        if (t != JsonToken.START_OBJECT) {
            throw new SpoolException(ErrorCode.BAD_REQUEST, "the body must be a JSON object (" + what + ")");
        }
    }

    /** Checks nothing follows the document. */
    void endDocument() throws IOException {
        if (p.nextToken() != null) {
            throw new SpoolException(ErrorCode.BAD_REQUEST, "malformed JSON: data after the end of the document");
        }
    }

    /** Expects the current token to open an object. */
    void expectObject(String field) {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw SpoolException.invalid(field, "must be an object");
        }
    }

    /** Expects the current token to open an array. */
    void expectArray(String field) {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw SpoolException.invalid(field, "must be an array");
        }
    }

    /**
     * Moves to the next field of the current object and onto its value.
     *
     * @return the field name, or {@code null} at the end of the object
     */
    String nextField() throws IOException {
        JsonToken t = next();
        if (t == JsonToken.END_OBJECT) {
            return null;
        }
        String name = p.currentName();
        next();
        return name;
    }

    /** Whether the current value is JSON {@code null}. */
    boolean isNull() {
        return p.currentToken() == JsonToken.VALUE_NULL;
    }

    /** Skips the current value (and its children). */
    void skip() throws IOException {
        p.skipChildren();
    }

    /** The current value as a whole number. */
    long readLong(String field) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NUMBER_INT) {
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw SpoolException.invalid(field, "number out of range");
            }
            return p.getLongValue();
        }
        if (t == JsonToken.VALUE_NUMBER_FLOAT) {
            throw SpoolException.invalid(field, "must be a whole number");
        }
        throw SpoolException.invalid(field, "must be a number");
    }

    /** The current value as a whole number within {@code [min, max]}. */
    long readLong(String field, long min, long max) throws IOException {
        long v = readLong(field);
        if (v < min || v > max) {
            throw SpoolException.invalid(field, "must be between " + min + " and " + max + ", got " + v);
        }
        return v;
    }

    /** The current value as an int within {@code [min, max]}. */
    int readInt(String field, int min, int max) throws IOException {
        return (int) readLong(field, min, max);
    }

    /** The current value as a number (fractions allowed). */
    double readDouble(String field) throws IOException {
        JsonToken t = p.currentToken();
        if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
            throw SpoolException.invalid(field, "must be a number");
        }
        double v = p.getDoubleValue();
        if (!Double.isFinite(v)) {
            throw SpoolException.invalid(field, "must be a finite number");
        }
        return v;
    }

    /** The current value as a boolean. */
    boolean readBool(String field) {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_TRUE) {
            return true;
        }
        if (t == JsonToken.VALUE_FALSE) {
            return false;
        }
        throw SpoolException.invalid(field, "must be true or false");
    }

    /** The current value as a string. */
    String readString(String field) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw SpoolException.invalid(field, "must be a string");
        }
        return p.getText();
    }

    /** The current value as a string or a number, as text (e.g. a start position or a timestamp). */
    String readScalarText(String field) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_STRING || t == JsonToken.VALUE_NUMBER_INT) {
            return p.getText();
        }
        throw SpoolException.invalid(field, "must be a string or a whole number");
    }

    /**
     * The current value, a base64 string, decoded. When the input is one byte array and the string
     * has no escapes, its characters are decoded straight from the input's bytes (no {@code String}
     * of the text is made; the parser still checks the string when it moves past it).
     */
    byte[] readBase64(String field) throws IOException {
        if (source != null && p.currentToken() == JsonToken.VALUE_STRING) {
            long start = p.currentTokenLocation().getByteOffset();
            int from = base + (int) start + 1;
            int to = start >= 0 ? plainStringEnd(from) : -1;
            if (to >= 0) {
                return decodeBase64(java.nio.ByteBuffer.wrap(source, from, to - from), field);
            }
        }
        String s = readString(field);
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw SpoolException.invalid(field, "not valid base64");
        }
    }

    /**
     * Where the string whose characters start at {@code from} ends (its closing quote), or -1 if it
     * has an escape. Eight bytes at a time: a base64 text of a few KiB is read on every lock cycle.
     */
    private int plainStringEnd(int from) {
        int end = base + limit;
        int i = from;
        for (; i + 8 <= end; i += 8) {
            long v = (long) LONGS.get(source, i);
            if ((zeroByte(v ^ QUOTES) | zeroByte(v ^ BACKSLASHES)) != 0) {
                break;
            }
        }
        for (; i < end; i++) {
            byte b = source[i];
            if (b == '"') {
                return i;
            }
            if (b == '\\') {
                return -1;
            }
        }
        throw new SpoolException(ErrorCode.BAD_REQUEST, "malformed JSON: unterminated string");
    }

    /** Non-zero when one of the eight bytes of {@code v} is zero. */
    private static long zeroByte(long v) {
        return (v - 0x0101010101010101L) & ~v & 0x8080808080808080L;
    }

    private static final java.lang.invoke.VarHandle LONGS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
            long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final long QUOTES = 0x2222222222222222L;
    private static final long BACKSLASHES = 0x5C5C5C5C5C5C5C5CL;

    private static byte[] decodeBase64(java.nio.ByteBuffer text, String field) {
        java.nio.ByteBuffer out;
        try {
            out = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw SpoolException.invalid(field, "not valid base64");
        }
        byte[] a = out.array();
        return out.arrayOffset() == 0 && out.remaining() == a.length ? a
                : java.util.Arrays.copyOfRange(a, out.arrayOffset() + out.position(), out.arrayOffset() + out.limit());
    }

    /**
     * Whether the current value, an object, begins with the field {@code name} written plainly
     * ({@code {"op":...}}, whitespace allowed), judged from the input's bytes without moving the
     * parser; false when it does not, or when the input is not one byte array.
     */
    boolean objectStartsWith(String name) {
        if (source == null || p.currentToken() != JsonToken.START_OBJECT) {
            return false;
        }
        long start = p.currentTokenLocation().getByteOffset();
        if (start < 0) {
            return false;
        }
        int i = skipSpace(base + (int) start + 1);
        int end = base + limit;
        if (i >= end || source[i] != '"') {
            return false;
        }
        i++;
        for (int k = 0; k < name.length(); k++, i++) {
            if (i >= end || source[i] != name.charAt(k)) {
                return false;
            }
        }
        if (i >= end || source[i] != '"') {
            return false;
        }
        i = skipSpace(i + 1);
        return i < end && source[i] == ':';
    }

    private int skipSpace(int from) {
        int i = from;
        int end = base + limit;
        while (i < end && (source[i] == ' ' || source[i] == '\t' || source[i] == '\n' || source[i] == '\r')) {
            i++;
        }
        return i;
    }

    /**
     * The current value, an object, skipped (which checks it) and returned as its place in the
     * input, for a reader that must see one of its fields before the others; null when the input
     * is not one byte array (nothing is read then).
     */
    Slice skipObject() throws IOException {
        if (source == null || p.currentToken() != JsonToken.START_OBJECT) {
            return null;
        }
        long start = p.currentTokenLocation().getByteOffset();
        if (start < 0) {
            return null;
        }
        long end = skipToEnd();
        if (end <= start || end > limit) {
            throw new IllegalStateException("object outside its input: " + start + ".." + end);
        }
        return new Slice(source, base + (int) start, (int) (end - start), attachment);
    }

    /**
     * A stretch of the input: {@code length} bytes of {@code bytes} from {@code offset}, read with the
     * same attachment as the input it came from.
     */
    record Slice(byte[] bytes, int offset, int length, FrameAttachment attachment) {
        /** A parser over the stretch (byte offsets counted from its start). */
        JsonParser parser() throws IOException {
            return Json.factory().createParser(bytes, offset, length);
        }

        /** A reader over the stretch, with {@code parser} from {@link #parser()}. */
        JsonIn reader(JsonParser parser) {
            return new JsonIn(parser, bytes, offset, length).attach(attachment);
        }
    }

    /** The current value, an array of strings, with at most {@code max} entries. */
    List<String> readStringList(String field, int max) throws IOException {
        expectArray(field);
        List<String> out = new ArrayList<>();
        while (next() != JsonToken.END_ARRAY) {
            String f = field + "[" + out.size() + "]";
            if (out.size() >= max) {
                throw SpoolException.invalid(field, "at most " + max + " entries");
            }
            out.add(readString(f));
        }
        return out;
    }

    /** The current value, an object of string values. */
    Map<String, String> readStringMap(String field, int max) throws IOException {
        expectObject(field);
        Map<String, String> out = new LinkedHashMap<>();
        String name;
        while ((name = nextField()) != null) {
            if (out.size() >= max) {
                throw SpoolException.invalid(field, "at most " + max + " entries");
            }
            out.put(name, readString(field + "." + name));
        }
        return out;
    }

    /**
     * The current value (any JSON) as UTF-8: sliced from the input as the client wrote it when the
     * input is one byte array (the parser still checks it is well-formed), else re-serialized
     * compactly.
     */
    byte[] readRawValue() throws IOException {
        // a parser that decodes UTF-16 or UTF-32 counts no byte offsets (-1): that input is generated again
        long start = source != null ? p.currentTokenLocation().getByteOffset() : -1;
        if (start >= 0) {
            // a string is left unread (the parser checks it when it skips it): its end is found
            // here, without decoding it; other values are skipped, which checks them
            long end = p.currentToken() == JsonToken.VALUE_STRING ? stringEnd(start)
                    : skipToEnd();
            if (end > start && end <= limit) {
                return java.util.Arrays.copyOfRange(source, base + (int) start, base + (int) end);
            }
            throw new IllegalStateException("raw value outside its input: " + start + ".." + end);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        try (JsonGenerator g = Json.factory().createGenerator(out)) {
            g.copyCurrentStructure(p);
        }
        return out.toByteArray();
    }

    private long skipToEnd() throws IOException {
        p.skipChildren();
        return p.currentLocation().getByteOffset();
    }

    /** The offset just past the closing quote of the string whose opening quote is at {@code start}. */
    private long stringEnd(long start) {
        for (int i = base + (int) start + 1, end = base + limit; i < end; i++) {
            byte b = source[i];
            if (b == '\\') {
                i++;
            } else if (b == '"') {
                return i + 1L - base;
            }
        }
        throw new SpoolException(ErrorCode.BAD_REQUEST, "malformed JSON: unterminated string");
    }

    /** The current value as a tree (for the rare request whose field order matters). */
    com.fasterxml.jackson.databind.JsonNode readTree(com.fasterxml.jackson.databind.ObjectMapper mapper)
            throws IOException {
        return mapper.readTree(p);
    }

    /** An error for a field this request does not know. */
    static SpoolException unknown(String prefix, String name) {
        return SpoolException.invalid(prefix.isEmpty() ? name : prefix + "." + name, "unknown field");
    }
}
