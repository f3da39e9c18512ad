package dev.spool.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import dev.spool.api.MessageIds;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The push targets of {@code spool bench push}: one HTTP/1.1 server per endpoint on 127.0.0.1,
 * each answering 204 once the whole body arrived and recording when (the end of a delivery). They
 * run on netty directly, two event loops for all, and do no more than a device must: the body's
 * buffers are released as they arrive, never copied to the heap or gathered (Vert.x's server
 * copied every received byte to a heap buffer, which with 10 MiB bodies made the load generator
 * spend more on garbage collection than on the transfer). Byte-exact delivery is the tests' job
 * ({@code PushHeapTest}, {@code FileSenderTest}). Their event loops are marked as load-generator
 * threads for {@link CpuSplit}.
 */
final class BenchEndpoints implements AutoCloseable {
    /** Visits the deliveries an endpoint saw end. */
    interface Visitor {
        /** One delivery: the message id ({@code -1} when its header was not an id) and when its body ended. */
        void arrival(long id, long atNanos);
    }

    /**
     * The deliveries one endpoint saw end, in two growing arrays: no object per delivery for the
     * load generator's garbage collector to copy while the run goes on (a queue of records and
     * id strings made it pause for 70-100 ms at 10,000 deliveries a second, stalling the
     * endpoints and so the latency being measured).
     */
    static final class ArrivalLog {
        private long[] ids = new long[1024];
        private long[] at = new long[1024];
        private int n;

        synchronized void add(long id, long atNanos) {
            if (n == ids.length) {
                ids = Arrays.copyOf(ids, n * 2);
                at = Arrays.copyOf(at, n * 2);
            }
            ids[n] = id;
            at[n] = atNanos;
            n++;
        }

        synchronized void forEach(Visitor v) {
            for (int i = 0; i < n; i++) {
                v.arrival(ids[i], at[i]);
            }
        }
    }

    private final EventLoopGroup loops = new NioEventLoopGroup(2, new DefaultThreadFactory("bench-endpoint"));
    private final List<Channel> servers = new ArrayList<>();
    private final List<ArrivalLog> arrivals = new ArrayList<>();
    private final AtomicLong delivered = new AtomicLong();

    BenchEndpoints(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            ArrivalLog log = new ArrivalLog();
            arrivals.add(log);
            ServerBootstrap b = new ServerBootstrap().group(loops).channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1_000).childOption(ChannelOption.TCP_NODELAY, true)
                    // reads of up to 1 MiB: a 10 MiB body in ~10 reads instead of 160 of 64 KiB
                    .childOption(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(512, 8 << 10, 1 << 20))
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new Handler(log));
                        }
                    });
            servers.add(b.bind("127.0.0.1", 0).sync().channel());
        }
    }

    /** One connection's requests, one after another. */
    private final class Handler extends ChannelInboundHandlerAdapter {
        private final ArrivalLog log;
        private long id;
        private boolean keepAlive;

        Handler(ArrivalLog log) {
            this.log = log;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest req) {
                    CpuSplit.markLoad();
                    id = idOf(req.headers().get("Spool-Message-Id"));
                    keepAlive = HttpUtil.isKeepAlive(req);
                }
                if (msg instanceof LastHttpContent) {
                    log.add(id, System.nanoTime());
                    delivered.incrementAndGet();
                    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
                    if (!keepAlive) {
                        r.headers().set(HttpHeaderNames.CONNECTION, "close");
                    }
                    var w = ctx.writeAndFlush(r);
                    if (!keepAlive) {
                        w.addListener(ChannelFutureListener.CLOSE);
                    }
                } else if (msg instanceof HttpContent) {
                    // the body is counted by its end, not kept
                    return;
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    String url(int i) {
        return "http://127.0.0.1:" + ((java.net.InetSocketAddress) servers.get(i).localAddress()).getPort() + "/in";
    }

    private static long idOf(String header) {
        try {
            return header == null ? -1 : MessageIds.parse(header, "Spool-Message-Id");
        } catch (RuntimeException e) {
            return -1;
        }
    }

    long delivered() {
        return delivered.get();
    }

    /** The deliveries endpoint {@code i} saw end. */
    ArrivalLog arrivals(int i) {
        return arrivals.get(i);
    }

    @Override
    public void close() {
        for (Channel c : servers) {
            c.close();
        }
        loops.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }
}
