package dev.spool.server;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;

/**
 * Joins the frames of {@code /v1/stream} WebSocket messages into their bytes, text and binary
 * alike, so that a frame is parsed from its UTF-8 bytes as it came (no {@code String} in between)
 * and payloads can be sliced out of it as they are.
 *
 * <p>A message in one final frame (the usual case) is the frame's bytes as Vert.x hands them over
 * (no copy when its buffer is exactly one array, {@link #bytesOf}); fragments are
 * appended until the final continuation. A message over {@code maxBytes} is refused as soon as it
 * is known to be over, with the same {@link IllegalStateException} Vert.x's own aggregation
 * raises, which the session turns into close status 1009. Ping, pong and close frames are Vert.x's
 * business and are ignored here. Used on the socket's context only.
 */
final class StreamMessages {
    private final long maxBytes;
    private Buffer partial;

    StreamMessages(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /**
     * Takes one frame.
     *
     * @return the whole message once its final frame came, else null
     * @throws IllegalStateException when the message is over {@code maxBytes}
     */
    byte[] accept(WebSocketFrame frame) {
        if (frame.isText() || frame.isBinary()) {
            Buffer data = frame.binaryData();
            check(data.length());
            if (frame.isFinal()) {
                partial = null;
                return bytesOf(data);
            }
            partial = Buffer.buffer(Math.max(256, data.length() * 2)).appendBuffer(data);
            return null;
        }
        if (frame.isContinuation() && partial != null) {
            Buffer data = frame.binaryData();
            check((long) partial.length() + data.length());
            partial.appendBuffer(data);
            if (frame.isFinal()) {
                byte[] whole = partial.getBytes();
                partial = null;
                return whole;
            }
        }
        return null;
    }

    /**
     * The bytes of a message in one frame: the frame's own array when its buffer is exactly that
     * array (Vert.x hands each frame over as a fresh heap copy of the socket's pooled buffer, which
     * nothing else keeps), else a copy. Readers copy what they keep out of it.
     */
    static byte[] bytesOf(Buffer data) {
        io.netty.buffer.ByteBuf b = data.getByteBuf();
        if (b.hasArray() && b.arrayOffset() == 0 && b.readerIndex() == 0 && b.readableBytes() == b.array().length) {
            return b.array();
        }
        return data.getBytes();
    }

    private void check(long length) {
        if (length > maxBytes) {
            partial = null;
            throw new IllegalStateException("WebSocket message over " + maxBytes + " bytes");
        }
    }
}
