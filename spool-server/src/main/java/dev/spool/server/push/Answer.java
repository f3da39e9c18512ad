package dev.spool.server.push;

import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Reads one HTTP answer from the objects netty's response decoder gives: its status, its
 * {@code Retry-After}, whether the connection may carry another request, and the first
 * {@value Poster#REASON_BYTES} bytes of a body that is not a 2xx's (the dead-letter reason); the
 * rest of the body is dropped as it comes. An interim answer (1xx) is skipped. Shared by
 * {@link FileSender} and {@link Connections}, so both classify an answer as the Vert.x path does.
 *
 * <p>Not thread-safe: one per exchange, on its channel's event loop.
 */
final class Answer {
    private int status = -1;
    private String retryAfter;
    private boolean keepAlive;
    private ByteBuf head;
    /** Bytes of the answer seen (a reused connection that closes before any is stale, not failed). */
    private boolean started;

    /**
     * Takes one decoded object (not released here) and returns the attempt's outcome once the
     * answer has ended, else null.
     */
    Outcome read(Object msg) {
        started = true;
        if (msg instanceof HttpObject o && o.decoderResult().isFailure()) {
            Throwable e = o.decoderResult().cause();
            return new Outcome.Retry(0, "response failed: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()), OptionalLong.empty());
        }
        if (msg instanceof HttpResponse r) {
            status = r.status().code();
            retryAfter = r.headers().get("Retry-After");
            keepAlive = HttpUtil.isKeepAlive(r);
        }
        if (status >= 100 && status < 200) {
            // an interim answer (100 Continue unasked): the final one follows
            if (msg instanceof LastHttpContent) {
                status = -1;
            }
            return null;
        }
        if (!(msg instanceof HttpContent content) || status < 0) {
            return null;
        }
        ByteBuf b = content.content();
        if ((status < 200 || status >= 300) && b.isReadable()) {
            if (head == null) {
                head = Unpooled.buffer(Poster.REASON_BYTES);
            }
            head.writeBytes(b, b.readerIndex(), Math.min(b.readableBytes(), head.writableBytes()));
        }
        if (!(msg instanceof LastHttpContent)) {
            return null;
        }
        return Poster.classify(status, retryAfter, head == null ? "" : head.toString(StandardCharsets.UTF_8));
    }

    /** Whether any part of an answer arrived. */
    boolean started() {
        return started;
    }

    /** Whether the answer that ended leaves the connection open for another request. */
    boolean keepAlive() {
        return keepAlive;
    }
}
