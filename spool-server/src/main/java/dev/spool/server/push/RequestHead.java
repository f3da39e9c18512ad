package dev.spool.server.push;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Writes a push POST as HTTP/1.1 bytes for {@link Connections}: the request line, Host and the
 * headers that are the same for every delivery of a group are encoded once; each delivery adds its
 * own headers, its Content-Length and its body into one pooled direct buffer (one copy of the
 * payload, one socket write). Every header is plain printable ASCII; a delivery whose headers are
 * not (a key or header value that the Vert.x client would encode its own way) gets no buffer and
 * takes the Vert.x path, so what an endpoint receives does not depend on the path.
 */
final class RequestHead {
    private static final byte[] CRLF = {'\r', '\n'};
    /** Visible ASCII that is not a token character. */
    private static final String TOKEN_EXCLUDED = "\"(),/:;<=>?@[\\]{}";
    /** Room for a delivery's own headers beside the prefix and body, so the buffer rarely grows. */
    private static final int HEADER_ROOM = 512;

    private final byte[] prefix;
    private final ByteBufAllocator alloc;

    private RequestHead(byte[] prefix, ByteBufAllocator alloc) {
        this.prefix = prefix;
        this.alloc = alloc;
    }

    /**
     * The head of {@code uri} at {@code host} with the headers {@code fixed} puts, or empty when
     * one of them is not plain.
     */
    static Optional<RequestHead> of(String uri, String host, Consumer<BiConsumer<String, String>> fixed,
            ByteBufAllocator alloc) {
        StringBuilder b = new StringBuilder("POST ").append(uri).append(" HTTP/1.1\r\n");
        boolean[] plain = {target(uri) && plain(host, true)};
        b.append("Host: ").append(host).append("\r\n");
        fixed.accept((k, v) -> {
            plain[0] &= plain(k, false) && plain(v, true);
            b.append(k).append(": ").append(v).append("\r\n");
        });
        return plain[0] ? Optional.of(new RequestHead(b.toString().getBytes(StandardCharsets.US_ASCII), alloc))
                : Optional.empty();
    }

    /**
     * The whole request: the fixed head, the headers {@code own} puts, Content-Length and
     * {@code body}; null (nothing allocated) when a header {@code own} puts is not plain.
     */
    ByteBuf encode(byte[] body, Consumer<BiConsumer<String, String>> own) {
        ByteBuf buf = alloc.directBuffer(prefix.length + HEADER_ROOM + body.length);
        buf.writeBytes(prefix);
        boolean[] plain = {true};
        own.accept((k, v) -> {
            if (plain[0] && plain(k, false) && plain(v, true)) {
                buf.writeCharSequence(k, StandardCharsets.US_ASCII);
                buf.writeByte(':').writeByte(' ');
                buf.writeCharSequence(v, StandardCharsets.US_ASCII);
                buf.writeBytes(CRLF);
            } else {
                plain[0] = false;
            }
        });
        if (!plain[0]) {
            buf.release();
            return null;
        }
        buf.writeCharSequence("Content-Length: ", StandardCharsets.US_ASCII);
        buf.writeCharSequence(Integer.toString(body.length), StandardCharsets.US_ASCII);
        buf.writeBytes(CRLF).writeBytes(CRLF).writeBytes(body);
        return buf;
    }

    /** A request target: visible ASCII, no space. */
    private static boolean target(String uri) {
        for (int i = 0; i < uri.length(); i++) {
            if (uri.charAt(i) <= 0x20 || uri.charAt(i) >= 0x7f) {
                return false;
            }
        }
        return !uri.isEmpty();
    }

    /** Printable ASCII; a value may also hold spaces and tabs, a name only token characters (RFC 9110, 5.6.2). */
    static boolean plain(String s, boolean value) {
        if (s.isEmpty() && !value) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = value ? c >= 0x20 && c < 0x7f || c == '\t'
                    : c > 0x20 && c < 0x7f && TOKEN_EXCLUDED.indexOf(c) < 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
