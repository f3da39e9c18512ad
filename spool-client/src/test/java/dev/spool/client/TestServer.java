package dev.spool.client;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;

/**
 * A real server on an ephemeral port with memory storage, and a client of it: started by hand
 * ({@link #start()}, closed by the caller) or, registered as
 * {@code @RegisterExtension static final TestServer t = TestServer.perClass();}, once for a test
 * class (started before its first test, closed after its last).
 */
final class TestServer implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
    SpoolServer server;
    SpoolClient client;

    private TestServer(SpoolServer server) {
        this.server = server;
        this.client = server == null ? null : SpoolClient.connect(server.url());
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

    /** A server for one test class, as a JUnit extension. */
    static TestServer perClass() {
        return new TestServer(null);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        TestServer started = start();
        server = started.server;
        client = started.client;
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    @Override
    public void close() {
        try {
            if (client != null) {
                client.close();
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }
}
