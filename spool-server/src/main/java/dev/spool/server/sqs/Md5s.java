package dev.spool.server.sqs;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The checksums SQS returns and its SDKs verify: {@code MD5OfMessageBody} (MD5 of the body's UTF-8
 * bytes) and {@code MD5OfMessageAttributes} / {@code MD5OfMessageSystemAttributes}.
 *
 * <p>The attribute checksum is the MD5 of, for each attribute in name order: the name, the data
 * type, one transport byte (1 for {@code String} and {@code Number} types, 2 for {@code Binary}),
 * then the value; each of name, type and value is written as a 4-byte big-endian length followed
 * by its bytes (UTF-8 for text, raw for binary). Lower-case hex.
 */
final class Md5s {
    /** One digest per thread: {@link MessageDigest#getInstance} looks the provider up at every call. */
    private static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(Md5s::newDigest);
    private static final char[] DIGITS = "0123456789abcdef".toCharArray();

    private Md5s() {
    }

    static String ofBody(String body) {
        return ofBody(body.getBytes(StandardCharsets.UTF_8));
    }

    /** The MD5 of a body already encoded in UTF-8. */
    static String ofBody(byte[] utf8) {
        return ofBody(utf8, 0, utf8.length);
    }

    static String ofBody(byte[] utf8, int offset, int length) {
        MessageDigest md = digest();
        md.update(utf8, offset, length);
        return hex(md.digest());
    }

    /** Empty map: no checksum (SQS omits the field). */
    static String ofAttributes(Map<String, MessageAttribute> attributes) {
        MessageDigest md = digest();
        for (Map.Entry<String, MessageAttribute> e : new TreeMap<>(attributes).entrySet()) {
            MessageAttribute a = e.getValue();
            lengthPrefixed(md, e.getKey().getBytes(StandardCharsets.UTF_8));
            lengthPrefixed(md, a.dataType().getBytes(StandardCharsets.UTF_8));
            if (a.isBinary()) {
                md.update((byte) 2);
                lengthPrefixed(md, a.binaryValue());
            } else {
                md.update((byte) 1);
                lengthPrefixed(md, a.stringValue().getBytes(StandardCharsets.UTF_8));
            }
        }
        return hex(md.digest());
    }

    private static void lengthPrefixed(MessageDigest md, byte[] bytes) {
        int n = bytes.length;
        md.update((byte) (n >>> 24));
        md.update((byte) (n >>> 16));
        md.update((byte) (n >>> 8));
        md.update((byte) n);
        md.update(bytes);
    }

    /** This thread's digest, reset. */
    private static MessageDigest digest() {
        MessageDigest md = MD5.get();
        md.reset();
        return md;
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has MD5", e);
        }
    }

    /** Lower-case hex; by hand because {@link java.util.HexFormat} costs more for these 16 bytes. */
    static String hex(byte[] b) {
        char[] out = new char[b.length * 2];
        for (int i = 0; i < b.length; i++) {
            out[2 * i] = DIGITS[(b[i] >> 4) & 0xf];
            out[2 * i + 1] = DIGITS[b[i] & 0xf];
        }
        return new String(out);
    }
}
