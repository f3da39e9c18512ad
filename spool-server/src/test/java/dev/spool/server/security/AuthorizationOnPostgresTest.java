package dev.spool.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import dev.spool.server.ServerConfig;

/**
 * The authorization matrix (the smaller set of rows) with PostgreSQL storage, and the cluster case:
 * a token created on one server works on another sharing the database, and revoking it on one is
 * seen by the other within the cache period.
 */
class AuthorizationOnPostgresTest extends AuthorizationMatrixTest {
    private static EmbeddedPostgres postgres;
    private static ServerConfig config;

    @Override
    ServerConfig storage() throws Exception {
        postgres = EmbeddedPostgres.builder().setDataDirectory(Files.createTempDirectory("spool-authz-pg"))
                .setServerConfig("fsync", "off").setServerConfig("synchronous_commit", "off").start();
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE authz");
        }
        ServerConfig m = ServerConfig.ephemeralMemory();
        config = m.withStorage(m.storage().withStorage(new ServerConfig.Storage.Postgres(
                "postgresql://postgres@localhost:" + postgres.getPort() + "/authz?pool_size=4"))
                .withDataDir(Files.createTempDirectory("spool-authz-data")));
        return config;
    }

    @Override
    boolean fullMatrix() {
        return false;
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    @Order(10)
    void shouldRefuseTokenOnEveryServerSoonAfterItIsRevokedOnOne() throws Exception {
        try (SecuredServer other = new SecuredServer(config)) {
            String[] t = s.token("shared", "produce:orders.*");
            secrets.add(t[1]);
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> other.plain.send("GET", "/v1/queues", null,
                    t[1]).statusCode() == 200);

            long start = System.nanoTime();
            assertThat(s.admin("DELETE", "/v1/tokens/" + t[0], null).statusCode()).isEqualTo(204);
            Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                    .until(() -> other.plain.send("GET", "/v1/queues", null, t[1]).statusCode() == 401);
            long ms = (System.nanoTime() - start) / 1_000_000;

            // the cache reloads every 500 ms; the bound leaves room for a loaded test machine
            assertThat(ms).isLessThan(3_000);
            assertThat(s.plain.send("GET", "/v1/queues", null, t[1]).statusCode()).isEqualTo(401);
        }
    }
}
