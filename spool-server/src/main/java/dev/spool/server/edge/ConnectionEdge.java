package dev.spool.server.edge;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * First handler of every connection's pipeline ({@link EdgeTransport} puts it there on accept):
 * a request head must arrive within {@code header-timeout-ms}, counted from the moment the
 * connection opens and, on an HTTP/1.1 keep-alive connection, from the first byte of each next
 * request (an idle keep-alive connection is the idle timeout's business). A connection that
 * misses it gets {@code 408} and is closed (an HTTP/2 connection is just closed), so a client
 * trickling header bytes, or sending none, cannot hold a connection for long.
 *
 * <p>It also repairs Vert.x's answer to an h2c upgrade with a malformed {@code HTTP2-Settings}
 * header: a {@code 400} without a length that leaves the connection open, so the client waits
 * forever. That reply (the exact bytes Vert.x writes) gets a {@code Content-Length: 0} and the
 * connection is closed after it.
 *
 * <p>Runs on the connection's event loop only.
 */
public final class ConnectionEdge extends ChannelDuplexHandler {
    /** The handler's name in the pipeline. */
    public static final String NAME = "spool-edge";
    private static final byte[] TIMEOUT = ("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n"
            + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BAD_UPGRADE = "HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BAD_UPGRADE_FIXED = ("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n"
            + "connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    private final long headerTimeoutMs;
    private ChannelHandlerContext ctx;
    private boolean awaitingHead = true;
    private ScheduledFuture<?> timer;
    /** HTTP/2 streams of this connection between their head and the end of their exchange. */
    private int streams;
    /** Set on a WebSocket: inbound bytes not yet delivered as a message are taken from it. */
    private BodyBudget inboundBudget;
    private Runnable onOverBudget;
    private long inboundHeld;
    private boolean overBudget;

    ConnectionEdge(long headerTimeoutMs) {
        this.headerTimeoutMs = headerTimeoutMs;
    }

    /** A request head arrived on {@code conn}: its deadline is met. */
    public static void headArrived(HttpConnection conn) {
        ConnectionEdge e = of(conn);
        if (e != null) {
            e.awaitingHead = false;
            e.cancel();
        }
    }

    /**
     * The response on {@code conn} ended: an HTTP/1.x connection now waits for its next request,
     * whose deadline starts with its first byte.
     */
    public static void responseEnded(HttpConnection conn, boolean http1) {
        ConnectionEdge e = of(conn);
        if (e != null && http1) {
            e.awaitingHead = true;
        }
    }

    /**
     * Counts a new HTTP/2 stream of {@code conn} unless {@code max} are open. Netty enforces
     * {@code SETTINGS_MAX_CONCURRENT_STREAMS} only once the client acknowledged the setting, which
     * a hostile client never does; this bound holds regardless.
     *
     * @return whether the stream may proceed (if not, refuse it with {@code REFUSED_STREAM})
     */
    public static boolean openStream(HttpConnection conn, int max) {
        ConnectionEdge e = of(conn);
        if (e == null) {
            return true;
        }
        if (e.streams >= max) {
            return false;
        }
        e.streams++;
        return true;
    }

    /** An HTTP/2 stream counted by {@link #openStream} ended. */
    public static void closeStream(HttpConnection conn) {
        ConnectionEdge e = of(conn);
        if (e != null && e.streams > 0) {
            e.streams--;
        }
    }

    /**
     * Meters a WebSocket's inbound bytes against the body budget: every byte read is taken from
     * {@code budget} until {@link #inboundConsumed} says the message it belonged to was handled.
     * Netty gathers a whole frame (up to {@code max-request-bytes}) before Vert.x sees it, so this
     * is what bounds partial messages on all sockets together. When a read does not fit, its bytes
     * are dropped and {@code onOver} runs (the stream closes with 1013, try again later).
     */
    public static void meterInbound(HttpConnection conn, BodyBudget budget, Runnable onOver) {
        ConnectionEdge e = of(conn);
        if (e != null) {
            e.inboundBudget = budget;
            e.onOverBudget = onOver;
        }
    }

    /** The WebSocket on {@code conn} handled a message: the bytes read so far are released. */
    public static void inboundConsumed(HttpConnection conn) {
        ConnectionEdge e = of(conn);
        if (e != null) {
            e.releaseInbound();
        }
    }

    private void releaseInbound() {
        if (inboundBudget != null) {
            inboundBudget.release(inboundHeld);
            inboundHeld = 0;
        }
    }

    private static ConnectionEdge of(HttpConnection conn) {
        return conn instanceof ConnectionBase base ? base.channel().pipeline().get(ConnectionEdge.class) : null;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext c) {
        this.ctx = c;
    }

    @Override
    public void channelActive(ChannelHandlerContext c) throws Exception {
        arm();
        super.channelActive(c);
    }

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) throws Exception {
        if (awaitingHead && timer == null) {
            arm();
        }
        if (inboundBudget != null && msg instanceof ByteBuf b) {
            int n = b.readableBytes();
            if (overBudget || !inboundBudget.tryAcquire(n)) {
                b.release();
                if (!overBudget) {
                    overBudget = true;
                    onOverBudget.run();
                }
                return;
            }
            inboundHeld += n;
        }
        super.channelRead(c, msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) throws Exception {
        cancel();
        releaseInbound();
        super.channelInactive(c);
    }

    @Override
    public void write(ChannelHandlerContext c, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof ByteBuf b && b.readableBytes() == BAD_UPGRADE.length
                && ByteBufUtil.equals(b, b.readerIndex(), Unpooled.wrappedBuffer(BAD_UPGRADE), 0, BAD_UPGRADE.length)) {
            b.release();
            c.writeAndFlush(Unpooled.wrappedBuffer(BAD_UPGRADE_FIXED), promise.unvoid())
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        super.write(c, msg, promise);
    }

    private void arm() {
        if (headerTimeoutMs <= 0 || ctx == null || timer != null) {
            return;
        }
        timer = ctx.executor().schedule(this::expired, headerTimeoutMs, TimeUnit.MILLISECONDS);
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void expired() {
        timer = null;
        if (!awaitingHead || !ctx.channel().isActive()) {
            return;
        }
        boolean http2 = ctx.pipeline().get("httpDecoder") == null && ctx.pipeline().get("handler") != null;
        if (http2) {
            ctx.close();
        } else {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(TIMEOUT)).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
