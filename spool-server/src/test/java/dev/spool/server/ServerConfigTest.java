package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.SpoolException;
import dev.spool.embedded.FsyncPolicy;

class ServerConfigTest {

    @Test
    void shouldUseDocumentedDefaultsWhenNothingIsGiven() {
        ServerConfig c = ServerConfig.load(Map.of(), Map.of());
        assertThat(c.listener().port()).isEqualTo(7070);
        assertThat(c.listener().host()).isEqualTo("127.0.0.1");
        assertThat(c.storage().storage()).isEqualTo(ServerConfig.Storage.JOURNAL);
        assertThat(c.storage().dataDir()).isEqualTo(Path.of("./spool-data"));
        assertThat(c.storage().fsync()).isEqualTo(FsyncPolicy.ALWAYS);
        assertThat(c.autoCreateQueues()).isTrue();
        assertThat(c.queueDefaults()).isEqualTo(dev.spool.api.QueueConfig.DEFAULTS);
        assertThat(c.limits()).isEqualTo(dev.spool.api.BrokerLimits.DEFAULTS);
    }

    @Test
    void shouldApplyFlagsOverEnvOverFileOverDefaults(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("spool.conf");
        Files.writeString(file, """
                # a comment
                port: 8000
                data-dir: "/var/lib/spool"
                fsync = interval:10
                max_attempts: 9
                storage: memory
                """);
        Map<String, String> env = Map.of("SPOOL_CONFIG", file.toString(), "SPOOL_PORT", "8001",
                "SPOOL_MAX_ATTEMPTS", "7", "SPOOL_URL", "ignored");
        ServerConfig c = ServerConfig.load(Map.of("port", "8002"), env);
        assertThat(c.listener().port()).isEqualTo(8002);
        assertThat(c.queueDefaults().maxAttempts()).isEqualTo(7);
        assertThat(c.storage().dataDir()).isEqualTo(Path.of("/var/lib/spool"));
        assertThat(c.storage().fsync()).isEqualTo(new FsyncPolicy.Interval(10));
        assertThat(c.storage().storage()).isEqualTo(ServerConfig.Storage.MEMORY);
    }

    @Test
    void shouldReadFileNamedByConfigFlagBeforeEnv(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.conf");
        Path b = dir.resolve("b.conf");
        Files.writeString(a, "port: 1111\n");
        Files.writeString(b, "port: 2222\n");
        ServerConfig c = ServerConfig.load(Map.of("config", a.toString()), Map.of("SPOOL_CONFIG", b.toString()));
        assertThat(c.listener().port()).isEqualTo(1111);
    }

    @Test
    void shouldNameKeyAndSourceWhenValueIsBad() {
        assertThatThrownBy(() -> ServerConfig.load(Map.of(), Map.of("SPOOL_PORT", "eighty")))
                .isInstanceOf(SpoolException.class)
                .hasMessageContaining("port (SPOOL_PORT)")
                .satisfies(e -> assertThat(((SpoolException) e).field()).contains("port"));
        assertThatThrownBy(() -> ServerConfig.load(Map.of("port", "70000"), Map.of()))
                .hasMessageContaining("port (flag --port)");
        assertThatThrownBy(() -> ServerConfig.load(Map.of("retry-max-ms", "1", "retry-initial-ms", "5"), Map.of()))
                .hasMessageContaining("retry-max-ms");
        assertThatThrownBy(() -> ServerConfig.load(Map.of("storage", "mongodb://x"), Map.of()))
                .hasMessageContaining("storage (flag --storage)");
        assertThatThrownBy(() -> ServerConfig.load(Map.of("fsync", "sometimes"), Map.of()))
                .hasMessageContaining("fsync");
        assertThatThrownBy(() -> ServerConfig.load(Map.of("max-batch", "0"), Map.of()))
                .hasMessageContaining("max-batch (flag --max-batch)");
    }

    @Test
    void shouldRejectUnknownKeysInFlagsAndFile(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> ServerConfig.load(Map.of("prot", "1"), Map.of()))
                .hasMessageContaining("unknown configuration flag 'prot'");
        Path file = dir.resolve("bad.conf");
        Files.writeString(file, "port: 1\nvisibilty-timeout-ms: 5\n");
        assertThatThrownBy(() -> ServerConfig.load(Map.of("config", file.toString()), Map.of()))
                .hasMessageContaining(":2: unknown configuration key 'visibilty-timeout-ms'");
    }

    @Test
    void shouldNeverShowPostgresPassword() {
        ServerConfig c = ServerConfig.load(Map.of("storage", "postgresql://spool:s3cret@db:5432/spool"), Map.of());
        assertThat(c.storage().storage().wire()).isEqualTo("postgresql://spool:***@db:5432/spool");
        assertThat(c.storage().storage().toString()).doesNotContain("s3cret");
        assertThat(c.toString()).doesNotContain("s3cret");
    }

    @Test
    void shouldDocumentEveryKeyWithItsDefault() throws Exception {
        String doc = Files.readString(Path.of("../docs/configuration.md"));
        for (ConfigKey k : ConfigKey.values()) {
            assertThat(doc).as(k.key()).contains("`" + k.key() + "`").contains("`" + k.env() + "`")
                    .contains("`" + k.defaultValue() + "`");
        }
    }

    @Test
    void shouldFailStartWhenPostgresIsUnreachable() {
        // port 1 on loopback: nothing listens, the connection is refused at once
        ServerConfig c = ServerConfig.ephemeralMemory().withStorage(ServerConfig.ephemeralMemory().storage()
                .withStorage(new ServerConfig.Storage.Postgres("postgresql://spool@127.0.0.1:1/spool")));
        assertThatThrownBy(() -> SpoolServer.start(c).toCompletableFuture().get(60, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(SpoolException.class);
    }
}
