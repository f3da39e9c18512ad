package dev.spool.embeddedserver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.spool.api.SpoolException;
import dev.spool.embedded.FsyncPolicy;
import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;

/**
 * Starts Spool servers inside the calling JVM: the same server {@code spool serve} runs, on an
 * ephemeral port of 127.0.0.1, so a test talks to it over real HTTP exactly as the application will
 * talk to a remote one.
 *
 * <pre>{@code
 * try (EmbeddedSpool spool = Spool.embedded()) {
 *     SpoolClient client = spool.client();
 *     SpoolClient.await(client.push("jobs", List.of(NewMessage.ofUtf8("hello"))));
 * }
 * }</pre>
 */
public final class Spool {
    /** How long a start may take before it is reported as a failure. */
    private static final long START_TIMEOUT_SECONDS = 30;

    private Spool() {
    }

    /** A server with memory storage (nothing on disk) on a free port; close it when done. */
    public static EmbeddedSpool embedded() {
        return embedded(ServerConfig.ephemeralMemory());
    }

    /**
     * A server with the embedded journal in a new temporary directory (deleted by
     * {@link EmbeddedSpool#close()}), for tests of behaviour that memory storage does not show, such
     * as spooled uploads of large raw pushes. {@code fsync=never}: a test process needs no power-loss
     * durability, and fsyncs would make it slow.
     */
    public static EmbeddedSpool embeddedWithJournal() {
        Path dir;
        try {
            dir = Files.createTempDirectory("spool-test-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary data directory", e);
        }
        ServerConfig c = ServerConfig.ephemeralMemory();
        ServerConfig.StorageConfig storage = c.storage().withStorage(ServerConfig.Storage.JOURNAL).withDataDir(dir)
                .withFsync(FsyncPolicy.NEVER);
        return start(c.withStorage(storage), dir);
    }

    /**
     * A server with this configuration (start from {@link ServerConfig#ephemeralMemory()} and adjust
     * with its {@code with*} copies: queue defaults, limits, auto-create).
     *
     * @param config the configuration; port 0 picks a free port
     * @return the running server and its client
     */
    public static EmbeddedSpool embedded(ServerConfig config) {
        return start(config, null);
    }

    private static EmbeddedSpool start(ServerConfig config, Path tempDir) {
        try {
            SpoolServer server = SpoolServer.start(config).toCompletableFuture()
                    .get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return new EmbeddedSpool(server, tempDir);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            EmbeddedSpool.deleteTree(tempDir);
            throw SpoolException.unavailable("interrupted while starting Spool", e);
        } catch (ExecutionException | TimeoutException e) {
            EmbeddedSpool.deleteTree(tempDir);
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof SpoolException se) {
                throw se;
            }
            throw SpoolException.unavailable("Spool did not start: " + cause, cause);
        }
    }
}
