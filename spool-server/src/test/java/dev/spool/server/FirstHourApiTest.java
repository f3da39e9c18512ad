package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The rough edges a new user meets in the first hour (issue 18), each answered plainly. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FirstHourApiTest {
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
    void shouldRefuseFormEncodedPushWhenCurlDropsTheContentType() {
        byte[] body = "{\"messages\":[{\"payload\":1}]}".getBytes(StandardCharsets.UTF_8);
        ApiClient.Resp r = api.send("POST", "/v1/queues/form/messages", body,
                "Content-Type", "application/x-www-form-urlencoded");
        assertThat(r.status()).isEqualTo(415);
        assertThat(r.errorCode()).isEqualTo("unsupported_media_type");
        assertThat(r.errorField()).isEqualTo("Content-Type");
        assertThat(r.json().path("error").path("message").asText()).contains("application/json");
        assertThat(api.get("/v1/queues/form").status()).as("nothing was pushed, no queue created").isEqualTo(404);
    }

    @Test
    void shouldAnswerQueueNotFoundAtOnceToPopAndSubscribeOfMistypedQueue() throws Exception {
        ApiClient.Resp pop = api.post("/v1/queues/no-such-queue/pop", "{\"wait_ms\":30000}");
        assertThat(pop.status()).as(pop.toString()).isEqualTo(404);
        assertThat(pop.json().path("error").path("code").asText()).isEqualTo("queue_not_found");
        try (StreamApiTest.Socket s = new StreamApiTest.Socket(api.base)) {
            s.send("{\"op\":\"subscribe\",\"req\":1,\"queue\":\"no-such-queue\",\"credit\":1}");
            assertThat(s.next().path("error").path("code").asText()).isEqualTo("queue_not_found");
        }
        assertThat(api.get("/v1/queues/no-such-queue").status()).as("nothing was created").isEqualTo(404);
        assertThat(api.pushJson("no-such-queue", "1")).as("pushes still create").isNotEmpty();
    }

    @Test
    void shouldRefuseMistypedSpoolHeaderOnRawPush() {
        ApiClient.Resp r = api.send("POST", "/v1/queues/typo/messages", "x".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "text/plain", "Spool-Delay", "5000");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorField()).isEqualTo("Spool-Delay");
        assertThat(r.json().path("error").path("message").asText()).contains("Spool-Delay-Ms");
        ApiClient.Resp ok = api.send("POST", "/v1/queues/typo/messages", "x".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "text/plain", "Spool-Delay-Ms", "5000", "Spool-Header-Color", "red");
        assertThat(ok.status()).isEqualTo(200);
    }

    @Test
    void shouldWarnWhenEarliestGroupCannotReplayAckedMessages() {
        api.put("/v1/queues/noreplay", "{}");
        ApiClient.Resp g = api.put("/v1/queues/noreplay/groups/late", "{\"start\":\"earliest\"}");
        assertThat(g.status()).isEqualTo(200);
        assertThat(g.json().path("warning").asText()).contains("retention_ms");

        api.put("/v1/queues/replay", "{\"retention_ms\": 60000}");
        ApiClient.Resp kept = api.put("/v1/queues/replay/groups/late", "{\"start\":\"earliest\"}");
        assertThat(kept.json().has("warning")).isFalse();
        ApiClient.Resp latest = api.put("/v1/queues/noreplay/groups/now", "{\"start\":\"latest\"}");
        assertThat(latest.json().has("warning")).isFalse();
    }
}
