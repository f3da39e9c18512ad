package dev.spool.server.push;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;

import dev.spool.api.Payload;

/**
 * Sends a large payload that lies plainly in a journal segment to a plain-HTTP endpoint straight
 * from the file to the socket (netty's {@link DefaultFileRegion}: {@code sendfile}), so its bytes
 * are copied neither into chunk buffers nor through user space. Vert.x's HTTP client cannot send a
 * file region as a request body, so this is a small HTTP/1.1 exchange on netty's own codec, on the
 * event loop of the poster's context: one connection per request ({@code Connection: close}),
 * closed once the answer has ended, failed or timed out. For a body of
 * {@value #MIN_BYTES} bytes or more a connection costs little beside the copies it saves.
 * Encrypted payloads, TLS endpoints and smaller bodies keep the Vert.x client and
 * {@link PayloadStream}.
 *
 * <p>Not thread-safe: one instance per poster; everything runs on its context's event loop.
 */
final class FileSender {
    /** The smallest body sent from the file (smaller ones go out in one chunk through Vert.x). */
    static final long MIN_BYTES = PayloadStream.CHUNK;

    private final Context ctx;
    /** Transport, event loop and options; each request clones it with its own handlers. */
    private final Bootstrap bootstrap;

    FileSender(Context ctx, int connectTimeoutMs) {
        this.ctx = ctx;
        this.bootstrap = bootstrap(ctx, connectTimeoutMs);
    }

    /**
     * A client bootstrap on the event loop of {@code ctx} with Vert.x's transport (epoll where it
     * runs), no Nagle delay and a connect timeout; {@link Connections} shares it.
     */
    static Bootstrap bootstrap(Context ctx, int connectTimeoutMs) {
        VertxInternal vertx = (VertxInternal) ctx.owner();
        return new Bootstrap().group(((ContextInternal) ctx).nettyEventLoop())
                .channelFactory(vertx.transport().channelFactory(false))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMs);
    }

    /** Whether a payload to this target goes out through {@link #send}. */
    static boolean applies(PushConfig config, Payload payload) {
        return payload instanceof Payload.FileRegion r && r.size() >= MIN_BYTES
                && "http".equalsIgnoreCase(config.url().getScheme());
    }

    /**
     * POSTs {@code region} with {@code headers} (every header but Host, Connection and
     * Content-Length, which are set here) and completes {@code done} on the context with the
     * answer's outcome; never fails it. A deadline of {@code deadlines} ends the attempt.
     */
    void send(InetSocketAddress server, String hostHeader, String uri, HttpHeaders headers,
            Payload.FileRegion region, Deadlines deadlines, Promise<Outcome> done) {
        Exchange x = new Exchange(done, deadlines);
        ctx.<FileChannel>executeBlocking(() -> FileChannel.open(region.file(), StandardOpenOption.READ), false)
                .onComplete(ar -> {
                    if (ar.failed()) {
                        x.finish(retry("cannot read payload: " + describe(ar.cause())));
                        return;
                    }
                    x.file = ar.result();
                    if (x.over) {
                        // timed out while the file opened
                        x.closeFile();
                        return;
                    }
                    DefaultHttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri, headers);
                    headers.set("Host", hostHeader).set("Connection", "close")
                            .set("Content-Length", Long.toString(region.size()));
                    ChannelFuture connect = bootstrap.clone().handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpClientCodec(), x);
                        }
                    }).connect(server);
                    x.channel = connect.channel();
                    connect.addListener(c -> {
                        if (!c.isSuccess()) {
                            x.closeFile();
                            x.finish(retry("request failed: " + describe(c.cause())));
                            return;
                        }
                        if (x.over) {
                            x.closeFile();
                            return;
                        }
                        Channel ch = connect.channel();
                        // the region closes the file when it is released (written or failed)
                        DefaultFileRegion body = new DefaultFileRegion(x.file, region.offset(), region.size());
                        x.file = null;
                        ch.write(req);
                        ch.write(body);
                        ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(w -> {
                            if (!w.isSuccess()) {
                                x.finish(retry("request failed: " + describe(w.cause())));
                            }
                        });
                    });
                });
    }

    private static Outcome retry(String why) {
        return new Outcome.Retry(0, why, OptionalLong.empty());
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /** One request and its answer; also the channel's last handler. */
    private final class Exchange extends ChannelInboundHandlerAdapter {
        private final Promise<Outcome> done;
        private final Deadlines deadlines;
        private final Deadlines.Entry timer;
        private Channel channel;
        private FileChannel file;
        private boolean over;
        private final Answer answer = new Answer();

        Exchange(Promise<Outcome> done, Deadlines deadlines) {
            this.done = done;
            this.deadlines = deadlines;
            this.timer = deadlines.add(() -> finish(retry("timed out after " + deadlines.timeoutMs() + " ms")));
        }

        @Override
        public void channelRead(ChannelHandlerContext c, Object msg) {
            try {
                Outcome o = answer.read(msg);
                if (o != null) {
                    finish(o);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext c) {
            finish(retry("request failed: connection closed before the answer ended"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext c, Throwable e) {
            finish(retry("request failed: " + describe(e)));
        }

        /** Ends the attempt once: settles the deadline, closes the connection, completes on the context. */
        void finish(Outcome o) {
            if (over) {
                return;
            }
            over = true;
            deadlines.settle(timer);
            // the file, if still open, is closed where the open or the connect completes
            if (channel != null) {
                channel.close();
            }
            ctx.runOnContext(v -> done.tryComplete(o));
        }

        void closeFile() {
            FileChannel f = file;
            file = null;
            if (f != null) {
                try {
                    f.close();
                } catch (IOException e) {
                    // a read-only view of the payload: nothing was lost
                }
            }
        }
    }
}
