package dev.spool.server.push;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.impl.ContextInternal;

/**
 * Persistent HTTP/1.1 connections of one push group to its plain-HTTP endpoint, for requests
 * whose whole bytes are in one buffer ({@link RequestHead}). Vert.x's client cost most of a small
 * delivery's CPU (request objects, promises, header maps, pool bookkeeping per request); here a
 * request is one socket write on a connection taken from a stack of idle ones, and the answer is
 * read by netty's response decoder and {@link Answer} alone.
 *
 * <p>One request per connection at a time (no pipelining), so the group's concurrency caps the
 * open connections; a connection goes back to the stack when its answer ended and allows it
 * (no {@code Connection: close}, HTTP/1.1) and is closed after {@value #IDLE_MS} ms unused, or
 * beyond {@code maxIdle} idle ones. A reused connection that the endpoint closed while it was idle
 * (the close may arrive only after the request was written) fails before any byte of an answer:
 * the request is sent again on a new connection, once, within the same deadline, so an idle timeout
 * of the endpoint neither fails nor loses a delivery. Redirects are answers like any other.
 *
 * <p>Not thread-safe: everything runs on the event loop of the group's context (requests are sent
 * from it, channels are registered on it); only {@link #close()} may be called from elsewhere.
 */
final class Connections {
    /** Longest a connection stays open unused. */
    static final long IDLE_MS = 30_000;

    private final ContextInternal ctx;
    private final Bootstrap bootstrap;
    private final int maxIdle;
    private final Map<InetSocketAddress, ArrayDeque<Conn>> idle = new HashMap<>();
    private ScheduledFuture<?> sweeper;
    private InetSocketAddress lastServer;
    private ArrayDeque<Conn> lastStack;
    private boolean closed;

    Connections(Context ctx, int connectTimeoutMs, int maxIdle) {
        this.ctx = (ContextInternal) ctx;
        this.maxIdle = maxIdle;
        this.bootstrap = FileSender.bootstrap(ctx, connectTimeoutMs).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new HttpResponseDecoder(), new Conn(ch));
            }
        });
    }

    /**
     * Sends {@code request} (taken over: released here) to {@code server} and completes
     * {@code done} on the context with the answer's outcome; never fails it. A deadline of
     * {@code deadlines} ends the attempt.
     */
    void send(InetSocketAddress server, ByteBuf request, Deadlines deadlines, Promise<Outcome> done) {
        Exchange x = new Exchange(server, request, deadlines, done);
        if (closed) {
            x.finish(new Outcome.Retry(0, "request failed: delivery stopped", OptionalLong.empty()));
            return;
        }
        Conn c = take(server);
        if (c != null) {
            x.use(c, true);
        } else {
            x.connect();
        }
    }

    /** Closes the idle connections now and each busy one when its answer ends. */
    void close() {
        ctx.runOnContext(v -> {
            closed = true;
            if (sweeper != null) {
                sweeper.cancel(false);
            }
            for (ArrayDeque<Conn> q : idle.values()) {
                for (Conn c : q) {
                    c.ch.close();
                }
            }
            idle.clear();
            lastServer = null;
        });
    }

    /** The most recently used open idle connection to {@code server}, or null. */
    private Conn take(InetSocketAddress server) {
        ArrayDeque<Conn> q = stack(server);
        Conn c;
        while (q != null && (c = q.pollLast()) != null) {
            if (c.ch.isActive()) {
                return c;
            }
        }
        return null;
    }

    /** The idle stack of {@code server}; a group's target is mostly one address, looked up by identity first. */
    private ArrayDeque<Conn> stack(InetSocketAddress server) {
        if (server != lastServer) {
            lastStack = idle.computeIfAbsent(server, k -> new ArrayDeque<>());
            lastServer = server;
        }
        return lastStack;
    }

    private void release(Conn c) {
        ArrayDeque<Conn> q = stack(c.server);
        if (closed || q.size() >= maxIdle || !c.ch.isActive()) {
            c.ch.close();
            return;
        }
        c.idleSince = System.nanoTime();
        q.addLast(c);
        if (sweeper == null) {
            sweeper = ctx.nettyEventLoop().scheduleAtFixedRate(this::sweep, IDLE_MS / 2, IDLE_MS / 2,
                    TimeUnit.MILLISECONDS);
        }
    }

    /** Closes the connections idle longer than {@link #IDLE_MS} (the oldest are first in each stack). */
    private void sweep() {
        long oldest = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(IDLE_MS);
        for (ArrayDeque<Conn> q : idle.values()) {
            Conn c;
            while ((c = q.peekFirst()) != null && (c.idleSince - oldest < 0 || !c.ch.isActive())) {
                q.pollFirst().ch.close();
            }
        }
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /** A connection: the last handler of its channel, serving one exchange at a time. */
    private final class Conn extends ChannelInboundHandlerAdapter {
        private final Channel ch;
        private InetSocketAddress server;
        private Exchange current;
        private long idleSince;

        Conn(Channel ch) {
            this.ch = ch;
        }

        @Override
        public void channelRead(ChannelHandlerContext c, Object msg) {
            try {
                if (current != null) {
                    current.read(this, msg);
                } else {
                    // bytes while idle: no request to answer, the connection's state is unknown
                    ch.close();
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext c) {
            if (current != null) {
                current.broken(this, null);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext c, Throwable e) {
            if (current != null) {
                current.broken(this, e);
            }
            ch.close();
        }
    }

    /** One request and its answer, over one connection or, when a reused one was stale, two. */
    private final class Exchange {
        private final InetSocketAddress server;
        private final ByteBuf request;
        private final Deadlines deadlines;
        private final Promise<Outcome> done;
        private final Deadlines.Entry timer;
        /** The connection being opened, or that of {@link #conn}. */
        private Channel channel;
        private Conn conn;
        private Answer answer;
        private boolean reused;
        private boolean written;
        private boolean over;

        Exchange(InetSocketAddress server, ByteBuf request, Deadlines deadlines, Promise<Outcome> done) {
            this.server = server;
            this.request = request;
            this.deadlines = deadlines;
            this.done = done;
            this.timer = deadlines.add(() -> finish(new Outcome.Retry(0, "timed out after " + deadlines.timeoutMs()
                    + " ms", OptionalLong.empty())));
        }

        void connect() {
            ChannelFuture f = bootstrap.connect(server);
            channel = f.channel();
            f.addListener(r -> {
                if (over) {
                    f.channel().close();
                } else if (!r.isSuccess()) {
                    finish(new Outcome.Retry(0, "request failed: " + describe(r.cause()), OptionalLong.empty()));
                } else {
                    Conn c = f.channel().pipeline().get(Conn.class);
                    c.server = server;
                    use(c, false);
                }
            });
        }

        void use(Conn c, boolean again) {
            channel = c.ch;
            conn = c;
            c.current = this;
            answer = new Answer();
            reused = again;
            written = false;
            // the write takes a reference; a second attempt sends the same bytes again from the start
            c.ch.writeAndFlush(request.retain().readerIndex(0)).addListener(w -> {
                if (w.isSuccess()) {
                    written = c.current == this;
                } else {
                    broken(c, w.cause());
                }
            });
        }

        void read(Conn c, Object msg) {
            Outcome o = answer.read(msg);
            if (o == null) {
                return;
            }
            c.current = null;
            if (answer.keepAlive() && written && !over) {
                release(c);
            } else {
                c.ch.close();
            }
            finish(o);
        }

        /** The connection failed or closed before the answer ended. */
        void broken(Conn c, Throwable e) {
            if (c.current != this) {
                return;
            }
            c.current = null;
            c.ch.close();
            if (over) {
                return;
            }
            if (reused && !answer.started()) {
                // the endpoint closed the idle connection: a new one, not a failed delivery
                connect();
                return;
            }
            finish(new Outcome.Retry(0, e == null ? "request failed: connection closed before the answer ended"
                    : "request failed: " + describe(e), OptionalLong.empty()));
        }

        /** Ends the attempt once: settles the deadline, frees the request, completes on the context. */
        void finish(Outcome o) {
            if (over) {
                return;
            }
            over = true;
            deadlines.settle(timer);
            request.release();
            if (conn != null && conn.current == this) {
                // timed out with the request on this connection: its state is unknown
                conn.current = null;
                conn.ch.close();
            } else if (channel != null && !channel.isActive()) {
                // timed out while connecting
                channel.close();
            }
            ctx.emit(o, done::tryComplete);
        }
    }
}
