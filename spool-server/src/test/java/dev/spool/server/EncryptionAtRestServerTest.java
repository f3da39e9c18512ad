package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.spool.api.SpoolException;
import dev.spool.api.crypto.Keyring;

/**
 * Encryption at rest through the configuration and the HTTP API: a keys file that others may read
 * is refused at start, an encrypted queue round-trips over HTTP, and a sealed entry tampered on disk
 * (its CRC32C forged to match) answers {@code 500} with code {@code corrupt} while the server goes on
 * serving the other messages.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class EncryptionAtRestServerTest {
    private static final String ID = "srv-key-1";

    @TempDir
    Path dir;

    private Path keysFile(String perms) throws IOException {
        Path f = dir.resolve("keys");
        Files.writeString(f, "# spool keys\n" + Keyring.newKeyLine(ID) + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(perms));
        return f;
    }

    @Test
    void shouldRefuseAKeysFileThatOthersMayRead() throws IOException {
        Path f = keysFile("rw-r-----");
        assertThatThrownBy(() -> ServerConfig.load(Map.of("encryption-keys-file", f.toString()), Map.of()))
                .isInstanceOf(SpoolException.class).hasMessageContaining("encryption-keys-file")
                .hasMessageContaining("chmod 600");
        assertThatThrownBy(() -> ServerConfig.load(Map.of("encrypt-all", "true"), Map.of()))
                .hasMessageContaining("encrypt-all needs");
        String key = Keyring.newKeyLine("env");
        assertThatThrownBy(() -> ServerConfig.load(Map.of(), Map.of("SPOOL_ENCRYPTION_KEYS", key + ";x:short")))
                .hasMessageContaining("SPOOL_ENCRYPTION_KEYS entry 2").hasMessageNotContaining(key.substring(4));
        ServerConfig ok = ServerConfig.load(Map.of(), Map.of("SPOOL_ENCRYPTION_KEYS", key, "SPOOL_ENCRYPT_ALL", "true"));
        assertThat(ok.security().atRest().encryptAll()).isTrue();
        assertThat(ok.security().toString()).contains("active=env").doesNotContain(key.substring(4));
    }

    @Test
    void shouldAnswerCorruptForATamperedEntryAndServeTheRest() throws IOException {
        Path data = dir.resolve("data");
        ServerConfig c = ServerConfig.load(Map.of("port", "0", "storage", "journal", "data-dir", data.toString(),
                "payload-cache-bytes", "0", "encryption-keys-file", keysFile("rw-------").toString()), Map.of());
        try (ApiClient api = ApiClient.start(c)) {
            ApiClient.Resp q = api.put("/v1/queues/enc", "{\"encrypted\":true}");
            assertThat(q.status()).as(q.toString()).isEqualTo(200);
            assertThat(q.json().path("config").path("encrypted").asBoolean()).isTrue();
            api.pushJson("enc", "\"first-secret-payload\"");
            api.pushJson("enc", "\"second-secret-payload\"");
            assertThat(segmentsHold("secret-payload")).isFalse();
            tamperFirstSealedEntry(data.resolve("journal"));

            ApiClient.Resp bad = api.post("/v1/queues/enc/pop", "{\"max\":1}");
            assertThat(bad.status()).as(bad.toString()).isEqualTo(500);
            assertThat(bad.errorCode()).isEqualTo("corrupt");
            assertThat(bad.text()).doesNotContain("first-secret-payload");
            JsonNode good = api.pop("enc", 1);
            assertThat(good.get(0).path("payload").asText()).isEqualTo("second-secret-payload");
            assertThat(api.get("/healthz").status()).isEqualTo(200);
        }
    }

    /** Whether a file of the server's data directory holds {@code text}; files deleted meanwhile are skipped. */
    private boolean segmentsHold(String text) throws IOException {
        List<Path> listed = null;
        while (listed == null) {
            try (Stream<Path> files = Files.walk(dir.resolve("data"))) {
                listed = files.filter(Files::isRegularFile).toList();
            } catch (java.io.UncheckedIOException e) {
                if (!(e.getCause() instanceof java.nio.file.NoSuchFileException)) {
                    throw e;
                }
                // a file (a snapshot's .tmp, a reclaimed segment) went away while the walk listed it
            }
        }
        for (Path f : listed) {
            try {
                if (new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains(text)) {
                    return true;
                }
            } catch (java.nio.file.NoSuchFileException e) {
                // deleted by the server while we looked
            }
        }
        return false;
    }

    /**
     * Flips a ciphertext byte of the first sealed payload (found by its envelope header: version 1,
     * key id) and forges the entry's payload CRC32C to match, as an attacker who can write the disk
     * could: only the GCM tag can notice.
     */
    private static void tamperFirstSealedEntry(Path journal) throws IOException {
        Path seg;
        try (Stream<Path> s = Files.walk(journal)) {
            seg = s.filter(p -> p.toString().endsWith(".seg")).sorted().findFirst().orElseThrow();
        }
        byte[] all = Files.readAllBytes(seg);
        String text = new String(all, StandardCharsets.ISO_8859_1);
        int env = text.indexOf("\u0001" + (char) ID.length() + ID);
        assertThat(env).isPositive();
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        long sealedLength = b.getLong(env - 8);
        int end = (int) (env + sealedLength);
        int entry = -1;
        for (int e = env - 47; e > 0 && entry < 0; e--) {
            if (b.getInt(e) == end - e) {
                entry = e;
            }
        }
        assertThat(entry).isPositive();
        all[env + 40] ^= 0x04;
        CRC32C crc = new CRC32C();
        crc.update(all, env, (int) sealedLength);
        b.putInt(entry + 8, (int) crc.getValue());
        Files.write(seg, all);
    }
}
