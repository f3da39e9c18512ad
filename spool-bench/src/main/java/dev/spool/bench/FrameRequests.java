package dev.spool.bench;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;

/**
 * The requests of one {@code /v1/stream} socket, matched to their replies by {@code req}: a request
 * is a frame written as text without its closing brace, to which the {@code req} is appended; a
 * reply completes its request ({@code ok}) or fails it (any other op, as {@code failure} maps it);
 * when the socket closes, every request still waiting fails with {@code closed}'s exception.
 */
final class FrameRequests {
    private static final byte[] REQ = ",\"req\":".getBytes(StandardCharsets.US_ASCII);

    private final WebSocket ws;
    private final Function<Frames.Frame, Throwable> failure;
    private final Map<Long, CompletableFuture<Frames.Frame>> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextReq = new AtomicLong();

    FrameRequests(WebSocket ws, Function<Frames.Frame, Throwable> failure, Supplier<Throwable> closed) {
        this.ws = ws;
        this.failure = failure;
        ws.closeHandler(v -> {
            for (CompletableFuture<Frames.Frame> f : pending.values()) {
                f.completeExceptionally(closed.get());
            }
        });
    }

    /** Sends {@code frameWithoutEnd} (a JSON object missing its closing brace) with a fresh req. */
    CompletableFuture<Frames.Frame> request(String frameWithoutEnd) {
        long req = nextReq.incrementAndGet();
        CompletableFuture<Frames.Frame> f = new CompletableFuture<>();
        pending.put(req, f);
        ws.writeTextMessage(frameWithoutEnd + ",\"req\":" + req + "}").onFailure(e -> {
            if (pending.remove(req) != null) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    /**
     * Sends {@code frameWithoutEnd} (UTF-8 of a JSON object missing its closing brace) with a fresh
     * req, as one text frame written from its bytes (no string is made or encoded per request).
     */
    CompletableFuture<Frames.Frame> request(byte[] frameWithoutEnd) {
        return request(frameWithoutEnd, null);
    }

    /**
     * The same with an attachment: when {@code attachment} is not null the frame goes as a binary
     * message of 0x00, the JSON's length in four bytes (big-endian), the JSON and the attachment
     * (docs/api.md, "Binary frames with an attachment"); the attachment is not copied.
     */
    CompletableFuture<Frames.Frame> request(byte[] frameWithoutEnd, byte[] attachment) {
        long req = nextReq.incrementAndGet();
        CompletableFuture<Frames.Frame> f = new CompletableFuture<>();
        pending.put(req, f);
        int head = attachment == null ? 0 : 5;
        ByteBuf buf = Unpooled.buffer(head + frameWithoutEnd.length + 28);
        buf.writerIndex(head);
        buf.writeBytes(frameWithoutEnd).writeBytes(REQ);
        buf.writeCharSequence(Long.toString(req), StandardCharsets.US_ASCII);
        buf.writeByte('}');
        ByteBuf frame = buf;
        WebSocketFrameType type = WebSocketFrameType.TEXT;
        if (attachment != null) {
            buf.setByte(0, 0).setInt(1, buf.writerIndex() - head);
            frame = Unpooled.wrappedBuffer(buf, Unpooled.wrappedBuffer(attachment));
            type = WebSocketFrameType.BINARY;
        }
        ws.writeFrame(new WebSocketFrameImpl(type, frame, true)).onFailure(e -> {
            if (pending.remove(req) != null) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    /** Completes the request {@code reply} answers; false when it answers none that is waiting. */
    boolean complete(Frames.Frame reply) {
        CompletableFuture<Frames.Frame> f = reply.req >= 0 ? pending.remove(reply.req) : null;
        if (f == null) {
            return false;
        }
        if ("ok".equals(reply.op)) {
            f.complete(reply);
        } else {
            f.completeExceptionally(failure.apply(reply));
        }
        return true;
    }
}
