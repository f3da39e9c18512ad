package dev.spool.embeddedserver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import dev.spool.api.Broker;
import dev.spool.api.ErrorCode;
import dev.spool.api.QueueInfo;
import dev.spool.api.SpoolException;
import dev.spool.client.ClientOptions;
import dev.spool.client.SpoolClient;
import dev.spool.server.SpoolServer;

/**
 * A Spool server running in this JVM and a client of it. Thread-safe. {@link #close()} closes the
 * client, stops the server (requests in flight finish, streams close) and deletes the temporary data
 * directory of {@link Spool#embeddedWithJournal()}.
 */
public final class EmbeddedSpool implements AutoCloseable {
    private final SpoolServer server;
    private final SpoolClient client;
    private final Path tempDir;
    private volatile boolean closed;

    EmbeddedSpool(SpoolServer server, Path tempDir) {
        this.server = server;
        this.tempDir = tempDir;
        this.client = SpoolClient.connect(ClientOptions.of(server.url()).withEventLoops(1));
    }

    /** The client of this server, shared: do not close it (closing the server does). */
    public SpoolClient client() {
        return client;
    }

    /**
     * A new client of this server with other options (timeouts, pool size); the caller closes it.
     *
     * @param options options whose URL is replaced by this server's
     * @return the new client
     */
    public SpoolClient newClient(ClientOptions options) {
        return SpoolClient.connect(new ClientOptions(ClientOptions.of(url()).baseUrl(), options.maxConnections(),
                options.pipelining(), options.connectTimeoutMs(), options.requestTimeoutMs(), options.eventLoops(),
                options.maxFrameBytes(), options.credentials()));
    }

    /** The base URL, {@code http://127.0.0.1:<port>}: what an application under test is configured with. */
    public String url() {
        return server.url();
    }

    /** The server (its configuration, for tests of this module). */
    SpoolServer server() {
        return server;
    }

    /** The port the server listens on. */
    public int port() {
        return server.port();
    }

    /**
     * The broker behind the server, for setting up state without HTTP (the same calls as the
     * client, without the round trips).
     */
    public Broker broker() {
        return server.broker();
    }

    /** Deletes every queue (dead-letter queues included), so the next test starts empty. */
    public void deleteAllQueues() {
        List<QueueInfo> queues = SpoolClient.await(server.broker().listQueues());
        for (QueueInfo q : queues) {
            try {
                SpoolClient.await(server.broker().deleteQueue(q.name()));
            } catch (SpoolException e) {
                if (e.code() != ErrorCode.QUEUE_NOT_FOUND) {
                    throw e; // gone already (a dead-letter queue deleted with its queue) is fine
                }
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            client.close();
        } finally {
            try {
                server.close();
            } finally {
                deleteTree(tempDir);
            }
        }
    }

    /** Deletes a directory and everything in it; null is nothing to delete. */
    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the temporary data directory " + dir, e);
        }
    }
}
