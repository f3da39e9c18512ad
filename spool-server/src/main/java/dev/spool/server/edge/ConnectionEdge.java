package dev.spool.server.edge;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Per-connection guard in the Netty pipeline, in front of Vert.x's HTTP codec: a request head
 * must arrive within {@code header-timeout-ms}, counted from the moment the connection opens and,
 * on an HTTP/1.1 keep-alive connection, from the first byte of each next request (an idle
 * keep-alive connection is the idle timeout's business). A connection that misses it gets
 * {@code 408} (HTTP/1.x) and is closed, so a client trickling header bytes cannot hold a
 * connection slot for long.
 *
 * <p>It also repairs Vert.x's answer to an h2c upgrade with a malformed {@code HTTP2-Settings}
 * header: a {@code 400} without a length that leaves the connection open, so the client waits
 * forever. The reply gets its {@code Content-Length} and the connection is closed after it.
 *
 * <p>Reaches the Netty channel through Vert.x's internal {@link ConnectionBase}; that is the one
 * place the server depends on a Vert.x internal, and a Vert.x upgrade that changes it fails
 * {@code HostileClientTest}. Runs on the connection's event loop only.
 */
public final class ConnectionEdge extends ChannelDuplexHandler {
    private static final AttributeKey<ConnectionEdge> KEY = AttributeKey.valueOf("spool.edge");
    private static final byte[] TIMEOUT = ("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n"
            + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    private final long headerTimeoutMs;
    private final boolean http1;
    private ChannelHandlerContext ctx;
    private boolean awaitingHead = true;
    private ScheduledFuture<?> timer;

    private ConnectionEdge(long headerTimeoutMs, boolean http1) {
        this.headerTimeoutMs = headerTimeoutMs;
        this.http1 = http1;
    }

    /**
     * Installs the guard on a new connection (once per channel: an h2c upgrade reports the
     * connection again) and starts the deadline of its first request head.
     *
     * @param conn the connection Vert.x reports
     * @param headerTimeoutMs the deadline; 0 for none
     */
    public static void install(HttpConnection conn, long headerTimeoutMs) {
        if (!(conn instanceof ConnectionBase base)) {
            return;
        }
        Channel ch = base.channel();
        if (ch.attr(KEY).get() != null) {
            return;
        }
        ChannelPipeline p = ch.pipeline();
        ConnectionEdge edge = new ConnectionEdge(headerTimeoutMs, p.get("httpEncoder") != null);
        ch.attr(KEY).set(edge);
        if (p.get("httpEncoder") != null) {
            p.addAfter("httpEncoder", "spool-upgrade-reply", new UpgradeReply());
        }
        p.addFirst("spool-edge", edge);
        edge.arm();
    }

    /** A request head arrived on {@code conn}: its deadline is met. */
    public static void headArrived(HttpConnection conn) {
        ConnectionEdge e = of(conn);
        if (e != null) {
            e.awaitingHead = false;
            e.cancel();
        }
    }

    /** The response on {@code conn} ended: an HTTP/1.x connection now waits for its next request. */
    public static void responseEnded(HttpConnection conn) {
        ConnectionEdge e = of(conn);
        if (e != null && e.http1) {
            e.awaitingHead = true;
        }
    }

    private static ConnectionEdge of(HttpConnection conn) {
        return conn instanceof ConnectionBase base ? base.channel().attr(KEY).get() : null;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext c) {
        this.ctx = c;
    }

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) throws Exception {
        if (awaitingHead && timer == null) {
            arm();
        }
        super.channelRead(c, msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) throws Exception {
        cancel();
        super.channelInactive(c);
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
        if (http1 && ctx.pipeline().get("httpEncoder") != null) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(TIMEOUT)).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }

    /**
     * Gives the one full reply Vert.x writes itself on an HTTP/1.x connection (the refusal of a
     * broken h2c upgrade) a length, and closes the connection after it as its header says.
     */
    private static final class UpgradeReply extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext c, Object msg, ChannelPromise promise) {
            if (msg instanceof FullHttpResponse r && r.status().code() >= 400
                    && !r.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
                r.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
                r.headers().set(HttpHeaderNames.CONNECTION, "close");
                c.write(msg, promise.unvoid()).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            c.write(msg, promise);
        }
    }
}
