package dev.spool.server.hostile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A raw TCP connection to the server, for what no HTTP client library sends: trickled headers,
 * lying lengths, pipelines that are never read, hand-made HTTP/2 and WebSocket frames.
 */
final class Wire implements AutoCloseable {
    final Socket socket;
    final OutputStream out;
    final InputStream in;

    Wire(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(5000);
        out = socket.getOutputStream();
        in = socket.getInputStream();
    }

    Wire send(String ascii) throws IOException {
        return send(ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    Wire send(byte[] b) throws IOException {
        out.write(b);
        out.flush();
        return this;
    }

    /** Reads until the server closes the connection or {@code ms} pass; the text read (ISO-8859-1). */
    String readUntilClosed(long ms) throws IOException {
        ByteArrayOutputStream acc = new ByteArrayOutputStream();
        long end = System.nanoTime() + ms * 1_000_000;
        byte[] buf = new byte[65536];
        while (System.nanoTime() < end) {
            socket.setSoTimeout((int) Math.max(1, (end - System.nanoTime()) / 1_000_000));
            try {
                int n = in.read(buf);
                if (n < 0) {
                    return acc.toString(StandardCharsets.ISO_8859_1) + "<closed>";
                }
                acc.write(buf, 0, n);
            } catch (SocketTimeoutException e) {
                break;
            } catch (IOException e) {
                return acc.toString(StandardCharsets.ISO_8859_1) + "<reset>";
            }
        }
        return acc.toString(StandardCharsets.ISO_8859_1);
    }

    /** Whether the server closed (or reset) the connection within {@code ms}. */
    boolean closedWithin(long ms) throws IOException {
        String s = readUntilClosed(ms);
        return s.endsWith("<closed>") || s.endsWith("<reset>");
    }

    /** The status code of the first HTTP/1.1 reply in {@code text}, or -1. */
    static int status(String text) {
        if (!text.startsWith("HTTP/1.1 ") || text.length() < 12) {
            return -1;
        }
        return Integer.parseInt(text.substring(9, 12));
    }

    // --- HTTP/2 (RFC 9113), just enough to open streams ---

    static final byte[] H2_PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    static byte[] h2Frame(int type, int flags, int stream, byte[] payload) {
        byte[] f = new byte[9 + payload.length];
        f[0] = (byte) (payload.length >>> 16);
        f[1] = (byte) (payload.length >>> 8);
        f[2] = (byte) payload.length;
        f[3] = (byte) type;
        f[4] = (byte) flags;
        f[5] = (byte) (stream >>> 24 & 0x7f);
        f[6] = (byte) (stream >>> 16);
        f[7] = (byte) (stream >>> 8);
        f[8] = (byte) stream;
        System.arraycopy(payload, 0, f, 9, payload.length);
        return f;
    }

    /** An HPACK block of "literal without indexing, new name" fields (names and values under 127 bytes). */
    static byte[] hpack(String... nameValues) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i + 1 < nameValues.length; i += 2) {
            b.write(0);
            for (String s : new String[] {nameValues[i], nameValues[i + 1]}) {
                byte[] v = s.getBytes(StandardCharsets.US_ASCII);
                b.write(v.length);
                b.writeBytes(v);
            }
        }
        return b.toByteArray();
    }

    // --- WebSocket (RFC 6455) ---

    /** Upgrades to {@code /v1/stream}; returns the server's handshake reply. */
    String upgradeToStream() throws IOException {
        send("GET /v1/stream HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        ByteArrayOutputStream acc = new ByteArrayOutputStream();
        while (!acc.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            acc.write(c);
        }
        return acc.toString(StandardCharsets.ISO_8859_1);
    }

    /** A client frame (masked unless {@code masked} is false), FIN set. */
    static byte[] wsFrame(int opcode, byte[] payload, boolean masked) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x80 | opcode);
        int m = masked ? 0x80 : 0;
        if (payload.length < 126) {
            b.write(m | payload.length);
        } else if (payload.length < 65536) {
            b.write(m | 126);
            b.write(payload.length >>> 8);
            b.write(payload.length);
        } else {
            b.write(m | 127);
            long n = payload.length;
            for (int i = 7; i >= 0; i--) {
                b.write((int) (n >>> (8 * i)));
            }
        }
        if (masked) {
            byte[] key = new byte[4];
            ThreadLocalRandom.current().nextBytes(key);
            b.writeBytes(key);
            byte[] p = payload.clone();
            for (int i = 0; i < p.length; i++) {
                p[i] ^= key[i & 3];
            }
            b.writeBytes(p);
        } else {
            b.writeBytes(payload);
        }
        return b.toByteArray();
    }

    /** The header of a masked client frame that claims {@code length} bytes (none follow). */
    static byte[] wsHeaderClaiming(int opcode, long length) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x80 | opcode);
        b.write(0x80 | 127);
        for (int i = 7; i >= 0; i--) {
            b.write((int) (length >>> (8 * i)));
        }
        b.writeBytes(new byte[4]);
        return b.toByteArray();
    }

    /** The close status in the first close frame the server sent in {@code bytes}, or -1. */
    static int closeStatus(byte[] bytes) {
        int i = 0;
        while (i + 2 <= bytes.length) {
            int op = bytes[i] & 0x0f;
            int len = bytes[i + 1] & 0x7f;
            int hdr = 2;
            if (len == 126) {
                len = (bytes[i + 2] & 0xff) << 8 | bytes[i + 3] & 0xff;
                hdr = 4;
            } else if (len == 127) {
                return -1;
            }
            if (op == 8) {
                return len >= 2 && i + hdr + 2 <= bytes.length
                        ? (bytes[i + hdr] & 0xff) << 8 | bytes[i + hdr + 1] & 0xff : -1;
            }
            i += hdr + len;
        }
        return -1;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // already gone: what a hostile client does
        }
    }
}
