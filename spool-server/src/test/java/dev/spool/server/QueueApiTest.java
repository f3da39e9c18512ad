package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QueueApiTest {
    private static ApiClient api;

    @BeforeAll
    static void start() {
        api = ApiClient.start();
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    @Test
    void shouldCreateQueueWithDefaultsWhenBodyIsEmpty() {
        ApiClient.Resp r = api.send("PUT", "/v1/queues/q-empty", null);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode q = r.json();
        assertThat(q.path("name").asText()).isEqualTo("q-empty");
        assertThat(q.path("config").path("visibility_timeout_ms").asLong()).isEqualTo(30_000);
        assertThat(q.path("config").path("max_attempts").asInt()).isEqualTo(5);
        assertThat(q.path("config").path("dead_letter_queue").asText()).isEqualTo("q-empty.dlq");
        assertThat(q.path("config").path("max_message_bytes").asLong()).isEqualTo(16L << 20);
        assertThat(q.path("stats").path("ready").asLong()).isZero();
        assertThat(q.path("groups").isArray()).isTrue();
    }

    @Test
    void shouldMergePartialConfigWhenReconfiguring() {
        api.put("/v1/queues/q-merge", "{\"max_attempts\":3,\"retry_backoff\":{\"initial_ms\":10}}");
        ApiClient.Resp r = api.put("/v1/queues/q-merge", "{\"visibility_timeout_ms\":1000}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode c = r.json().path("config");
        assertThat(c.path("visibility_timeout_ms").asLong()).isEqualTo(1000);
        assertThat(c.path("max_attempts").asInt()).isEqualTo(3);
        assertThat(c.path("retry_backoff").path("initial_ms").asLong()).isEqualTo(10);
        assertThat(c.path("retry_backoff").path("max_ms").asLong()).isEqualTo(300_000);
    }

    @Test
    void shouldListGetPurgeAndDeleteQueues() {
        api.pushJson("q-life", "{\"a\":1}");
        api.pushJson("q-life", "2");
        assertThat(api.get("/v1/queues/q-life").json().path("stats").path("ready").asLong()).isEqualTo(2);
        JsonNode list = api.get("/v1/queues").json().path("queues");
        assertThat(list.findValuesAsText("name")).contains("q-life");
        ApiClient.Resp purge = api.post("/v1/queues/q-life/purge", "{}");
        assertThat(purge.json().path("purged").asLong()).isEqualTo(2);
        assertThat(api.delete("/v1/queues/q-life").status()).isEqualTo(204);
        ApiClient.Resp gone = api.get("/v1/queues/q-life");
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.errorCode()).isEqualTo("queue_not_found");
    }

    @Test
    void shouldRejectBadConfigNamingTheField() {
        ApiClient.Resp r = api.put("/v1/queues/q-bad", "{\"max_attempts\":-1}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorCode()).isEqualTo("invalid_argument");
        assertThat(r.errorField()).isEqualTo("max_attempts");
        ApiClient.Resp unknown = api.put("/v1/queues/q-bad", "{\"visiblity_timeout_ms\":5}");
        assertThat(unknown.errorField()).isEqualTo("visiblity_timeout_ms");
        assertThat(api.get("/v1/queues/q-bad").status()).isEqualTo(404);
    }

    @Test
    void shouldRefuseAnEncryptedQueueWhenTheServerHasNoKeyring() {
        ApiClient.Resp r = api.put("/v1/queues/q-enc", "{\"encrypted\":true}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorCode()).isEqualTo("invalid_argument");
        assertThat(r.errorField()).isEqualTo("encrypted");
        assertThat(r.toString()).contains("keyring");
        assertThat(api.get("/v1/queues/q-enc").status()).isEqualTo(404);
    }
}
