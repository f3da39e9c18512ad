package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import dev.spool.api.crypto.Keyring;

/**
 * The encryption keys file reloaded by a running server, on the journal and on PostgreSQL: a new
 * key appended to the file becomes the active one for new writes (picked up by the file watch),
 * records written before still read, and a file that drops a key records still use is refused
 * (by the watch and by the {@code SIGHUP} path, {@link SpoolServer#reloadKeys}) while the old
 * keyring stays in use.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KeysFileReloadServerTest {
    private static final String K1 = Keyring.newKeyLine("file-k1");
    private static final String K2 = Keyring.newKeyLine("file-k2");

    @TempDir
    Path dir;

    private Path write(Path f, String text) throws IOException {
        Files.writeString(f, text);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    private ServerConfig config(String storage, Path keys) {
        Map<String, String> m = new HashMap<>(Map.of("port", "0", "storage", storage, "data-dir",
                dir.resolve("data").toString(), "payload-cache-bytes", "0", "encryption-keys-file", keys.toString(),
                "encryption-keys-reload-ms", "50"));
        return ServerConfig.load(m, Map.of());
    }

    @Test
    void shouldUseANewKeyAndRefuseToDropAnOldOneInUseWhenTheKeysFileChangesOnTheJournal() throws IOException {
        roundTrip("journal");
    }

    @Test
    void shouldUseANewKeyAndRefuseToDropAnOldOneInUseWhenTheKeysFileChangesOnPostgres() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setDataDirectory(Files.createTempDirectory("spool-keys-pg"))
                .setServerConfig("fsync", "off").setServerConfig("synchronous_commit", "off").start()) {
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE keys");
            }
            roundTrip("postgresql://postgres@localhost:" + pg.getPort() + "/keys?pool_size=2");
        }
    }

    private void roundTrip(String storage) throws IOException {
        Path keys = write(dir.resolve("keys"), K1 + "\n");
        try (ApiClient api = ApiClient.start(config(storage, keys))) {
            Keyring live = api.server.broker().settings().atRest().keyring().orElseThrow();
            ApiClient.Resp q = api.put("/v1/queues/enc", "{\"encrypted\":true}");
            assertThat(q.status()).as(q.toString()).isEqualTo(200);
            api.pushJson("enc", "\"before\"");

            write(keys, K1 + "\n" + K2 + "\n");
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> live.activeId().equals("file-k2"));
            api.pushJson("enc", "\"after\"");

            // K1 still seals "before": a file without it is refused, by the watch and on SIGHUP
            write(keys, K2 + "\n");
            assertThatThrownBy(() -> api.server.reloadKeys().toCompletableFuture().get(30, TimeUnit.SECONDS))
                    .hasMessageContaining("file-k1").hasMessageContaining("keeping the old keyring")
                    .hasMessageNotContaining(K1.substring(8));
            assertThat(live.ids()).containsExactly("file-k1", "file-k2");

            JsonNode got = api.pop("enc", 2);
            assertThat(got).hasSize(2);
            assertThat(got.get(0).path("payload").asText()).isEqualTo("before");
            assertThat(got.get(1).path("payload").asText()).isEqualTo("after");
        }
    }
}
