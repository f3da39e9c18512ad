package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import dev.spool.cli.CliHarness.Result;
import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;

/**
 * One in-memory server for a CLI test class ({@code @RegisterExtension static}), started before
 * its tests and closed after them, and the CLI run in-process against it.
 */
final class CliServer implements BeforeAllCallback, AfterAllCallback {
    private static final ObjectMapper JSON = new ObjectMapper();
    private SpoolServer server;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        server = SpoolServer.start(ServerConfig.ephemeralMemory()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        server.close();
    }

    String url() {
        return server.url();
    }

    /** Runs {@code spool args... --url <this server>}. */
    Result run(String... args) {
        String[] withUrl = new String[args.length + 2];
        System.arraycopy(args, 0, withUrl, 0, args.length);
        withUrl[args.length] = "--url";
        withUrl[args.length + 1] = url();
        return CliHarness.run(withUrl);
    }

    /** The JSON a command printed; fails the test unless it exited with 0. */
    static JsonNode json(Result r) throws Exception {
        assertThat(r.code()).as(r.toString()).isZero();
        return JSON.readTree(r.out());
    }
}
