package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PushPopApiTest {
    private static final String TRACE = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
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
    void shouldReturnPayloadsInTheFormTheyCameIn() {
        String bin = Base64.getEncoder().encodeToString(new byte[] {0, 1, 2, (byte) 255});
        ApiClient.Resp pushed = api.post("/v1/queues/forms/messages", "{\"messages\":["
                + "{\"payload\":{\"n\":1,\"s\":\"é\"},\"key\":\"k1\",\"headers\":{\"h\":\"v\"},\"traceparent\":\"" + TRACE + "\"},"
                + "{\"payload_base64\":\"" + bin + "\",\"content_type\":\"image/png\"},"
                + "{\"payload\":\"text\"}]}");
        assertThat(pushed.status()).as(pushed.toString()).isEqualTo(200);
        assertThat(pushed.json().path("ids")).hasSize(3);
        JsonNode ms = api.pop("forms", 10);
        assertThat(ms).hasSize(3);
        JsonNode first = ms.get(0);
        assertThat(first.path("id").asText()).isEqualTo(pushed.json().path("ids").get(0).asText());
        assertThat(first.path("payload").path("s").asText()).isEqualTo("é");
        assertThat(first.path("content_type").asText()).isEqualTo("application/json");
        assertThat(first.path("key").asText()).isEqualTo("k1");
        assertThat(first.path("headers").path("h").asText()).isEqualTo("v");
        assertThat(first.path("traceparent").asText()).isEqualTo(TRACE);
        assertThat(first.path("attempts").asInt()).isEqualTo(1);
        assertThat(first.path("receipt").asText()).matches(first.path("id").asText() + "\\.1\\.[0-9a-f]{16}");
        assertThat(first.path("enqueued_at").asLong()).isPositive();
        assertThat(first.path("lease_expires_at").asLong()).isGreaterThan(first.path("enqueued_at").asLong());
        assertThat(ms.get(1).path("payload_base64").asText()).isEqualTo(bin);
        assertThat(ms.get(1).path("content_type").asText()).isEqualTo("image/png");
        assertThat(ms.get(2).path("payload").asText()).isEqualTo("text");
    }

    @Test
    void shouldDeliverByPriorityThenPushOrder() {
        api.post("/v1/queues/prio/messages", "{\"messages\":[{\"payload\":1},{\"payload\":2,\"priority\":9},"
                + "{\"payload\":3,\"priority\":9}]}");
        JsonNode ms = api.pop("prio", 3);
        assertThat(ms.findValuesAsText("payload")).containsExactly("2", "3", "1");
    }

    @Test
    void shouldWakeWaitingPopWhenMessageIsPushed() throws Exception {
        api.put("/v1/queues/wake", "{}");
        CompletableFuture<ApiClient.Resp> waiting = api.sendAsync(api.request("/v1/queues/wake/pop")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"wait_ms\":30000}")).build());
        org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> waitersIn(api) > 0);
        long t0 = System.nanoTime();
        api.pushJson("wake", "\"hello\"");
        ApiClient.Resp r = waiting.get(10, TimeUnit.SECONDS);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(r.json().path("messages").get(0).path("payload").asText()).isEqualTo("hello");
        assertThat(ms).isLessThan(5_000);
    }

    /** Requests in flight that are long polls, read from the server state. */
    static int waitersIn(ApiClient c) {
        return c.server.waitingRequests();
    }

    @Test
    void shouldReturnEmptyWhenWaitEnds() {
        api.put("/v1/queues/empty-wait", "{}");
        ApiClient.Resp r = api.post("/v1/queues/empty-wait/pop", "{\"wait_ms\":50}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("messages")).isEmpty();
    }

    @Test
    void shouldReportOutcomePerReceipt() {
        api.put("/v1/queues/acks", "{}");
        api.pushJson("acks", "1");
        api.pushJson("acks", "2");
        api.pushJson("acks", "3");
        JsonNode ms = api.pop("acks", 3);
        String r1 = ms.get(0).path("receipt").asText();
        String r2 = ms.get(1).path("receipt").asText();
        String r3 = ms.get(2).path("receipt").asText();
        ApiClient.Resp ack = api.post("/v1/queues/acks/ack", "{\"receipts\":[\"" + r1 + "\",\"ffffffffffffffff.1\"]}");
        assertThat(ack.status()).as(ack.toString()).isEqualTo(200);
        assertThat(ack.json().path("results").get(0).path("status").asText()).isEqualTo("ok");
        assertThat(ack.json().path("results").get(0).path("receipt").asText()).isEqualTo(r1);
        assertThat(ack.json().path("results").get(1).path("status").asText()).isEqualTo("not_found");
        ApiClient.Resp again = api.post("/v1/queues/acks/ack", "{\"receipts\":[\"" + r1 + "\"]}");
        assertThat(again.json().path("results").get(0).path("status").asText()).isEqualTo("not_found");
        ApiClient.Resp ext = api.post("/v1/queues/acks/extend", "{\"receipts\":[\"" + r2 + "\"],\"visibility_ms\":60000}");
        assertThat(ext.json().path("results").get(0).path("status").asText()).isEqualTo("ok");
        ApiClient.Resp nack = api.post("/v1/queues/acks/nack", "{\"receipts\":[\"" + r3 + "\"],\"delay_ms\":0,"
                + "\"reason\":\"boom\"}");
        assertThat(nack.json().path("results").get(0).path("status").asText()).isEqualTo("ok");
        JsonNode redelivered = api.pop("acks", 5);
        assertThat(redelivered).hasSize(1);
        assertThat(redelivered.get(0).path("attempts").asInt()).isEqualTo(2);
        ApiClient.Resp stale = api.post("/v1/queues/acks/ack", "{\"receipts\":[\"" + r3 + "\"]}");
        assertThat(stale.json().path("results").get(0).path("status").asText()).isEqualTo("stale");
    }

    @Test
    void shouldReturnFirstIdWhenDedupIdRepeats() {
        String body = "{\"messages\":[{\"payload\":1,\"dedup_id\":\"once\"}]}";
        String a = api.post("/v1/queues/dedup/messages", body).json().path("ids").get(0).asText();
        String b = api.post("/v1/queues/dedup/messages", body).json().path("ids").get(0).asText();
        assertThat(b).isEqualTo(a);
        assertThat(api.get("/v1/queues/dedup").json().path("stats").path("ready").asLong()).isEqualTo(1);
    }

    @Test
    void shouldKeepRawPushMetadataFromHeaders() {
        byte[] body = "raw bytes \u0000\u0001".getBytes(StandardCharsets.ISO_8859_1);
        ApiClient.Resp r = api.send("POST", "/v1/queues/raw/messages", body, "Content-Type", "text/plain",
                "Spool-Key", "acct-7", "Spool-Priority", "4", "Spool-Header-Region", "eu", "traceparent", TRACE);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        String id = r.json().path("ids").get(0).asText();
        JsonNode m = api.pop("raw", 1).get(0);
        assertThat(m.path("id").asText()).isEqualTo(id);
        assertThat(m.path("content_type").asText()).isEqualTo("text/plain");
        assertThat(m.path("key").asText()).isEqualTo("acct-7");
        assertThat(m.path("priority").asInt()).isEqualTo(4);
        assertThat(m.path("headers").path("Region").asText()).isEqualTo("eu");
        assertThat(m.path("traceparent").asText()).isEqualTo(TRACE);
        assertThat(Base64.getDecoder().decode(m.path("payload_base64").asText())).isEqualTo(body);
    }

    @Test
    void shouldPopRawBodyWithMetadataInHeaders() {
        byte[] body = new byte[100_000];
        new java.util.Random(7).nextBytes(body);
        api.post("/v1/queues/rawpop/messages", "{\"messages\":[{\"payload_base64\":\""
                + Base64.getEncoder().encodeToString(body) + "\",\"content_type\":\"application/x-thing\","
                + "\"key\":\"ключ\",\"headers\":{\"Trace\":\"t-1\"}}]}");
        ApiClient.Resp r = api.send("POST", "/v1/queues/rawpop/pop", "{}".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json", "Accept", "application/octet-stream");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bytes()).isEqualTo(body);
        assertThat(r.header("Content-Type")).isEqualTo("application/x-thing");
        assertThat(r.header("Spool-Receipt")).matches(r.header("Spool-Id") + "\\.1\\.[0-9a-f]{16}");
        assertThat(r.header("Spool-Attempts")).isEqualTo("1");
        assertThat(r.header("Spool-Header-Trace")).isEqualTo("t-1");
        assertThat(r.header("Spool-Encoded")).isEqualTo("spool-key");
        assertThat(java.net.URLDecoder.decode(r.header("Spool-Key"), StandardCharsets.UTF_8)).isEqualTo("ключ");
        ApiClient.Resp none = api.send("POST", "/v1/queues/rawpop/pop", null, "Accept", "application/octet-stream");
        assertThat(none.status()).isEqualTo(204);
    }

    @Test
    void shouldApplyDelayNotBeforeTtlAndDedupFromRawHeaders() {
        api.put("/v1/queues/rawmeta", "{}");
        byte[] body = "b".getBytes(StandardCharsets.US_ASCII);
        String later = java.time.Instant.now().plusSeconds(3600).toString();
        assertThat(api.send("POST", "/v1/queues/rawmeta/messages", body, "Content-Type", "text/plain",
                "Spool-Delay-Ms", "600000").status()).isEqualTo(200);
        assertThat(api.send("POST", "/v1/queues/rawmeta/messages", body, "Content-Type", "text/plain",
                "Spool-Not-Before", later).status()).isEqualTo(200);
        String a = api.send("POST", "/v1/queues/rawmeta/messages", body, "Content-Type", "text/plain",
                "Spool-Dedup-Id", "d-1", "Spool-Ttl-Ms", "600000").json().path("ids").get(0).asText();
        String b = api.send("POST", "/v1/queues/rawmeta/messages", body, "Content-Type", "text/plain",
                "Spool-Dedup-Id", "d-1").json().path("ids").get(0).asText();
        assertThat(b).isEqualTo(a);
        JsonNode stats = api.get("/v1/queues/rawmeta").json().path("stats");
        assertThat(stats.path("delayed").asLong()).isEqualTo(2);
        assertThat(stats.path("ready").asLong()).isEqualTo(1);
        ApiClient.Resp bad = api.send("POST", "/v1/queues/rawmeta/messages", body, "Content-Type", "text/plain",
                "Spool-Priority", "12");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.errorField()).isEqualTo("Spool-Priority");
    }

    @Test
    void shouldDelayJsonPushesWithDelayOrNotBefore() {
        long later = System.currentTimeMillis() + 3_600_000;
        api.post("/v1/queues/jsondelay/messages", "{\"messages\":[{\"payload\":1,\"delay_ms\":600000},"
                + "{\"payload\":2,\"not_before\":" + later + "},{\"payload\":3,\"ttl_ms\":600000}]}");
        JsonNode stats = api.get("/v1/queues/jsondelay").json().path("stats");
        assertThat(stats.path("delayed").asLong()).isEqualTo(2);
        assertThat(stats.path("ready").asLong()).isEqualTo(1);
        assertThat(api.pop("jsondelay", 5).findValuesAsText("payload")).containsExactly("3");
    }
}
