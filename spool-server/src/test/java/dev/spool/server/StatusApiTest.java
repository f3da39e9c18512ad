package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /v1/status}: version, storage figures and the per-queue message counters. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StatusApiTest {
    @Test
    void shouldReportMemoryStorageAndCountersPerQueue() {
        try (ApiClient api = ApiClient.start()) {
            api.pushJson("st-a", "1");
            api.pushJson("st-a", "2");
            JsonNode popped = api.pop("st-a", 1);
            api.post("/v1/queues/st-a/ack", "{\"receipts\":[\"" + popped.get(0).path("receipt").asText() + "\"]}");
            ApiClient.Resp r = api.get("/v1/status");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Type")).isEqualTo("application/json");
            JsonNode s = r.json();
            assertThat(s.path("version").asText()).isEqualTo("0.1.0-SNAPSHOT");
            assertThat(s.path("uptime_ms").asLong()).isGreaterThanOrEqualTo(0);
            assertThat(s.path("now").asLong()).isGreaterThanOrEqualTo(s.path("started_at").asLong());
            assertThat(s.path("connections").asLong()).isGreaterThanOrEqualTo(1);
            assertThat(s.path("storage").path("kind").asText()).isEqualTo("memory");
            assertThat(s.path("storage").path("ready").asBoolean()).isTrue();
            assertThat(s.path("storage").has("segments")).isFalse();
            JsonNode c = s.path("counters").path("st-a");
            assertThat(c.path("pushed").asLong()).isEqualTo(2);
            assertThat(c.path("popped").asLong()).isEqualTo(1);
            assertThat(c.path("acked").asLong()).isEqualTo(1);
            assertThat(c.path("nacked").asLong()).isZero();
        }
    }

    @Test
    void shouldReportJournalSegmentsSizeAndSyncLatency(@TempDir Path dir) {
        ServerConfig d = ServerConfig.ephemeralMemory();
        try (ApiClient api = ApiClient.start(d.withStorage(d.storage().withStorage(ServerConfig.Storage.JOURNAL)
                .withDataDir(dir)))) {
            api.pushJson("st-j", "{\"n\":1}");
            JsonNode storage = api.get("/v1/status").json().path("storage");
            assertThat(storage.path("kind").asText()).isEqualTo("journal");
            assertThat(storage.path("fsync").asText()).isEqualTo("always");
            assertThat(storage.path("data_dir").asText()).isEqualTo(dir.toAbsolutePath().toString());
            assertThat(storage.path("segments").asLong()).isGreaterThanOrEqualTo(1);
            assertThat(storage.path("journal_bytes").asLong()).isPositive();
            assertThat(storage.path("snapshot_bytes").asLong()).isGreaterThanOrEqualTo(0);
            assertThat(storage.path("sync").path("count").asLong()).isPositive();
            assertThat(storage.path("sync").path("max_ms").asDouble()).isGreaterThanOrEqualTo(
                    storage.path("sync").path("mean_ms").asDouble());
        }
    }

    @Test
    void shouldRefuseQueryParameters() {
        try (ApiClient api = ApiClient.start()) {
            ApiClient.Resp r = api.get("/v1/status?verbose=1");
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.errorCode()).isEqualTo("invalid_argument");
            assertThat(r.errorField()).isEqualTo("verbose");
        }
    }
}
