package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code POST /v1/queues/{q}/redrive} with {@code ids}: only the dead letters named move. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedriveApiTest {
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
    void shouldRedriveOnlyTheDeadLettersNamedByIds() {
        List<String> dead = kill("rd-ids", 3);

        ApiClient.Resp r = api.post("/v1/queues/rd-ids/redrive", "{\"ids\":[\"" + dead.get(1) + "\"]}");

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().path("moved").asLong()).isEqualTo(1);
        JsonNode left = api.get("/v1/queues/rd-ids/messages?state=dead").json().path("messages");
        assertThat(left).extracting(n -> n.path("id").asText()).containsExactly(dead.get(0), dead.get(2));
        assertThat(api.get("/v1/queues/rd-ids").json().path("stats").path("ready").asLong()).isEqualTo(1);
    }

    @Test
    void shouldRefuseEmptyOrMalformedIdsAndMoveNothing() {
        kill("rd-bad", 1);

        ApiClient.Resp empty = api.post("/v1/queues/rd-bad/redrive", "{\"ids\":[]}");
        ApiClient.Resp bad = api.post("/v1/queues/rd-bad/redrive", "{\"ids\":[\"not-an-id\"]}");

        assertThat(empty.status()).isEqualTo(400);
        assertThat(empty.json().path("error").path("field").asText()).isEqualTo("ids");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().path("error").path("field").asText()).isEqualTo("ids[0]");
        assertThat(api.get("/v1/queues/rd-bad").json().path("stats").path("dead").asLong()).isEqualTo(1);
    }

    /** Makes {@code n} dead letters on a new queue; returns their ids in push order. */
    private static List<String> kill(String q, int n) {
        assertThat(api.put("/v1/queues/" + q, "{\"max_attempts\":1}").status()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(api.pushJson(q, Integer.toString(i)));
        }
        for (JsonNode m : api.pop(q, n)) {
            assertThat(api.post("/v1/queues/" + q + "/nack", "{\"receipts\":[\"" + m.path("receipt").asText()
                    + "\"]}").status()).isEqualTo(200);
        }
        assertThat(api.get("/v1/queues/" + q).json().path("stats").path("dead").asLong()).isEqualTo(n);
        return ids;
    }
}
