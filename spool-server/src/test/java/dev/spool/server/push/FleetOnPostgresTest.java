package dev.spool.server.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.server.ServerConfig;

/**
 * A fleet push on PostgreSQL with two servers sharing one database: both deliver the fleet, leases
 * keep each endpoint with one server at a time, and an endpoint set stored through one server is
 * used through the other.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FleetOnPostgresTest {

    @Test
    void shouldDeliverEachEndpointOnceWhenTwoServersShareTheDatabase() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setDataDirectory(Files.createTempDirectory("spool-fleet-pg"))
                .setServerConfig("fsync", "off").setServerConfig("synchronous_commit", "off").start()) {
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE fleet");
            }
            ServerConfig m = PushFixture.config();
            ServerConfig.StorageConfig storage = m.storage().withStorage(new ServerConfig.Storage.Postgres(
                    "postgresql://postgres@localhost:" + pg.getPort() + "/fleet?pool_size=4"));
            Map<String, Integer> okPerPath = new ConcurrentHashMap<>();
            try (Endpoint endpoint = new Endpoint(r -> {
                okPerPath.merge(r.header("Spool-Test-Path"), 1, Integer::sum);
                return new Endpoint.Reply(200, "", Map.of(), 5);
            });
                    PushFixture a = PushFixture.start(m.withStorage(storage.withDataDir(Files.createTempDirectory("a"))));
                    PushFixture b = PushFixture.start(m.withStorage(storage.withDataDir(Files.createTempDirectory("b"))))) {
                ObjectNode set = Http.JSON.createObjectNode();
                ArrayNode urls = set.putArray("endpoints");
                for (int i = 0; i < 40; i++) {
                    urls.add(endpoint.url("/d/" + i));
                }
                assertThat(Http.send("PUT", a.url("/v1/fleet-sets/devices"), set.toString()).status()).isEqualTo(200);
                ObjectNode body = Http.JSON.createObjectNode().put("endpoint_set", "devices").put("payload", "fw")
                        .put("concurrency", 4);
                Http.Reply created = Http.send("POST", b.url("/v1/fleets"), body.toString());
                assertThat(created.status()).as(created.json().toString()).isEqualTo(201);
                String id = created.json().get("id").asText();

                await().atMost(Duration.ofSeconds(60)).until(() -> Http.send("GET", a.url("/v1/fleets/" + id), null)
                        .json().get("state").asText().equals("done"));

                JsonNode done = Http.send("GET", a.url("/v1/fleets/" + id), null).json();
                assertThat(done.get("counts").get("delivered").asInt()).isEqualTo(40);
                assertThat(okPerPath).hasSize(40);
                assertThat(okPerPath.values()).containsOnly(1);
            }
        }
    }
}
