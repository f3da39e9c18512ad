package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Task view, browse, redrive and groups through the HTTP API. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MessageApiTest {
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
    void shouldShowTaskStateAndResult() {
        api.put("/v1/queues/tasks", "{\"result_ttl_ms\":60000}");
        String id = api.pushJson("tasks", "{\"job\":1}");
        JsonNode ready = api.get("/v1/queues/tasks/messages/" + id).json();
        assertThat(ready.path("state").asText()).isEqualTo("ready");
        assertThat(ready.path("payload").path("job").asInt()).isEqualTo(1);
        String receipt = api.pop("tasks", 1).get(0).path("receipt").asText();
        assertThat(api.get("/v1/queues/tasks/messages/" + id).json().path("state").asText()).isEqualTo("in_flight");
        api.post("/v1/queues/tasks/ack", "{\"receipts\":[\"" + receipt + "\"],\"result\":{\"ok\":true}}");
        JsonNode done = api.get("/v1/queues/tasks/messages/" + id).json();
        assertThat(done.path("state").asText()).isEqualTo("acked");
        assertThat(done.path("result").path("ok").asBoolean()).isTrue();
        assertThat(done.path("result_content_type").asText()).isEqualTo("application/json");
    }

    @Test
    void shouldWaitForTerminalStateWhenWaitMsIsGiven() throws Exception {
        api.put("/v1/queues/tasks-wait", "{\"result_ttl_ms\":60000}");
        String id = api.pushJson("tasks-wait", "1");
        String receipt = api.pop("tasks-wait", 1).get(0).path("receipt").asText();
        CompletableFuture<ApiClient.Resp> view = api.sendAsync(
                api.request("/v1/queues/tasks-wait/messages/" + id + "?wait_ms=20000").GET().build());
        Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> api.server.waitingRequests() > 0);
        api.post("/v1/queues/tasks-wait/ack", "{\"receipts\":[\"" + receipt + "\"],\"result_base64\":\"AAE=\","
                + "\"result_content_type\":\"application/x-bin\"}");
        JsonNode done = view.get(10, TimeUnit.SECONDS).json();
        assertThat(done.path("state").asText()).isEqualTo("acked");
        assertThat(done.path("result_base64").asText()).isEqualTo("AAE=");
    }

    @Test
    void shouldAnswerMessageNotFoundForUnknownId() {
        api.put("/v1/queues/tasks-none", "{}");
        ApiClient.Resp r = api.get("/v1/queues/tasks-none/messages/00000000000000ff");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.errorCode()).isEqualTo("message_not_found");
        ApiClient.Resp bad = api.get("/v1/queues/tasks-none/messages/xyz");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.errorField()).isEqualTo("id");
    }

    @Test
    void shouldBrowseWithPaging() {
        for (int i = 0; i < 5; i++) {
            api.pushJson("browse", Integer.toString(i));
        }
        JsonNode page1 = api.get("/v1/queues/browse/messages?state=ready&limit=3").json();
        assertThat(page1.path("messages")).hasSize(3);
        String after = page1.path("next_after").asText();
        JsonNode page2 = api.get("/v1/queues/browse/messages?limit=3&after=" + after).json();
        assertThat(page2.path("messages").findValuesAsText("payload")).containsExactly("3", "4");
        assertThat(page2.has("next_after")).isFalse();
        assertThat(api.get("/v1/queues/browse").json().path("stats").path("in_flight").asLong()).isZero();
    }

    @Test
    void shouldDeadLetterThenRedrive() {
        api.put("/v1/queues/dl", "{\"max_attempts\":1}");
        String id = api.pushJson("dl", "\"x\"");
        String receipt = api.pop("dl", 1).get(0).path("receipt").asText();
        api.post("/v1/queues/dl/nack", "{\"receipts\":[\"" + receipt + "\"],\"reason\":\"bad input\"}");
        JsonNode dead = api.get("/v1/queues/dl/messages?state=dead").json().path("messages");
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).path("id").asText()).isEqualTo(id);
        assertThat(dead.get(0).path("last_error").asText()).contains("bad input");
        assertThat(api.get("/v1/queues/dl").json().path("stats").path("dead").asLong()).isEqualTo(1);
        ApiClient.Resp moved = api.post("/v1/queues/dl/redrive", "{}");
        assertThat(moved.json().path("moved").asLong()).isEqualTo(1);
        assertThat(api.pop("dl", 1).get(0).path("payload").asText()).isEqualTo("x");
    }

    @Test
    void shouldManageGroups() {
        api.put("/v1/queues/fan", "{}");
        api.pushJson("fan", "\"before\"");
        ApiClient.Resp g = api.put("/v1/queues/fan/groups/audit", "{\"start\":\"earliest\"}");
        assertThat(g.status()).as(g.toString()).isEqualTo(200);
        assertThat(g.json().path("start").asText()).isEqualTo("earliest");
        assertThat(api.put("/v1/queues/fan/groups/audit", "{\"start\":\"latest\"}").errorCode()).isEqualTo("conflict");
        JsonNode groups = api.get("/v1/queues/fan/groups").json().path("groups");
        assertThat(groups.findValuesAsText("name")).containsExactly("default", "audit");
        JsonNode m = api.post("/v1/queues/fan/pop", "{\"group\":\"audit\"}").json().path("messages");
        assertThat(m.get(0).path("payload").asText()).isEqualTo("before");
        assertThat(api.get("/v1/queues/fan/groups/audit").json().path("stats").path("in_flight").asLong())
                .isEqualTo(1);
        assertThat(api.put("/v1/queues/fan/groups/default", "{}").errorCode())
                .as("the default group exists with start earliest; {} asks for latest").isEqualTo("conflict");
        assertThat(api.put("/v1/queues/fan/groups/default", "{\"start\":\"earliest\"}").status()).isEqualTo(200);
        assertThat(api.delete("/v1/queues/fan/groups/default").errorCode()).isEqualTo("invalid_argument");
        assertThat(api.put("/v1/queues/fan/groups/hook", "{\"push\":{\"url\":\"http://x\"}}").errorField())
                .as("push groups have their own route").isEqualTo("push");
        assertThat(api.delete("/v1/queues/fan/groups/audit").status()).isEqualTo(204);
        assertThat(api.get("/v1/queues/fan/groups/audit").errorCode()).isEqualTo("group_not_found");
    }

    @Test
    void shouldApplyTransactionAllOrNothing() {
        api.put("/v1/queues/tx-in", "{}");
        api.pushJson("tx-in", "1");
        String receipt = api.pop("tx-in", 1).get(0).path("receipt").asText();
        ApiClient.Resp bad = api.post("/v1/tx", "{\"ops\":[{\"op\":\"push\",\"queue\":\"tx-out\",\"messages\":"
                + "[{\"payload\":2}]},{\"op\":\"ack\",\"queue\":\"tx-in\",\"receipts\":[\"" + receipt.replace(".1", ".7")
                + "\"]}]}");
        assertThat(bad.status()).as(bad.toString()).isEqualTo(409);
        assertThat(bad.errorCode()).isEqualTo("stale_receipt");
        assertThat(bad.json().path("error").path("op_index").asInt()).isEqualTo(1);
        assertThat(api.get("/v1/queues/tx-out").status()).isEqualTo(404);
        ApiClient.Resp ok = api.post("/v1/tx", "{\"ops\":[{\"queue\":\"tx-out\",\"op\":\"push\",\"messages\":"
                + "[{\"payload\":2}]},{\"op\":\"ack\",\"queue\":\"tx-in\",\"receipts\":[\"" + receipt + "\"]}]}");
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        assertThat(ok.json().path("results").get(0).path("ids")).hasSize(1);
        assertThat(ok.json().path("results").get(1).path("op").asText()).isEqualTo("ack");
        assertThat(api.pop("tx-out", 1).get(0).path("payload").asInt()).isEqualTo(2);
        ApiClient.Resp lock = api.post("/v1/tx", "{\"ops\":[{\"op\":\"lock_state\",\"lock\":\"l\",\"payload\":1}]}");
        assertThat(lock.status()).isEqualTo(400);
        assertThat(lock.json().path("error").path("op_index").asInt()).isZero();
        assertThat(lock.json().path("error").path("field").asText()).isEqualTo("ops[0].lease_id");
    }

    @Test
    void shouldNameFieldOfBadTransactionOp() {
        ApiClient.Resp r = api.post("/v1/tx", "{\"ops\":[{\"op\":\"push\",\"queue\":\"q\",\"messages\":"
                + "[{\"payload\":1,\"priority\":12}]}]}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorField()).isEqualTo("ops[0].messages[0].priority");
        assertThat(r.json().path("error").path("op_index").asInt()).isZero();
    }

    static HttpRequest.BodyPublisher json(String s) {
        return HttpRequest.BodyPublishers.ofString(s);
    }
}
