package dev.spool.client;

import java.util.concurrent.TimeUnit;

import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;

/** A real server on an ephemeral port with memory storage, and a client of it. */
final class TestServer implements AutoCloseable {
    final SpoolServer server;
    final SpoolClient client;

    private TestServer(SpoolServer server) {
        this.server = server;
        this.client = SpoolClient.connect(server.url());
    }

    static TestServer start() {
        return start(ServerConfig.ephemeralMemory());
    }

    static TestServer start(ServerConfig config) {
        try {
            return new TestServer(SpoolServer.start(config).toCompletableFuture().get(30, TimeUnit.SECONDS));
        } catch (Exception e) {
            throw new IllegalStateException("server did not start", e);
        }
    }

    @Override
    public void close() {
        try {
            client.close();
        } finally {
            server.close();
        }
    }
}
