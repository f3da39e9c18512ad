package dev.spool.server.edge;

import java.util.List;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.vertx.core.impl.transports.JDKTransport;

/**
 * Vert.x's JDK (NIO) transport with one change: every accepted connection gets a
 * {@link ConnectionEdge} first in its pipeline, before Vert.x sees a byte.
 *
 * <p>This is the only hook early enough: with cleartext HTTP/2 enabled, Vert.x creates its
 * connection (and calls a server's connection handler) only once the first request head is
 * complete, so a client trickling that head, or sending nothing, is invisible to anything
 * configured through Vert.x's public API. It depends on Vert.x internals ({@code JDKTransport},
 * {@code VertxBuilder}); {@code HostileClientTest} fails if an upgrade breaks it.
 */
public final class EdgeTransport extends JDKTransport {
    private final long headerTimeoutMs;

    /**
     * A transport whose connections must deliver each request head within {@code headerTimeoutMs}.
     *
     * @param headerTimeoutMs the deadline; 0 for none
     */
    public EdgeTransport(long headerTimeoutMs) {
        this.headerTimeoutMs = headerTimeoutMs;
    }

    @Override
    public ChannelFactory<? extends ServerChannel> serverChannelFactory(boolean domainSocket) {
        if (domainSocket) {
            return super.serverChannelFactory(true);
        }
        return () -> new NioServerSocketChannel() {
            @Override
            protected int doReadMessages(List<Object> buf) throws Exception {
                int from = buf.size();
                int n = super.doReadMessages(buf);
                for (int i = from; i < buf.size(); i++) {
                    // not registered yet: the handler is added now and initialised on registration,
                    // before Vert.x's initializer appends the HTTP codec behind it
                    ((Channel) buf.get(i)).pipeline().addFirst(ConnectionEdge.NAME, new ConnectionEdge(headerTimeoutMs));
                }
                return n;
            }
        };
    }
}
