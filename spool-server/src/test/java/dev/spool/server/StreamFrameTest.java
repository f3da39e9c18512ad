package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.server.StreamApiTest.Socket;

/**
 * How {@code /v1/stream} frames are read and answered: routing fields in any order and in binary
 * frames (they are found by a streaming pass, not a tree), and acks without {@code req} that report
 * only the receipts they could not apply.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StreamFrameTest {
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
    void shouldRouteFrameWhenOpAndReqComeAfterThePayloadInABinaryFrame() throws Exception {
        try (Socket s = new Socket(api.base)) {
            String frame = "{\"messages\":[{\"payload\":{\"op\":\"ack\",\"req\":99}},{\"payload\":\"x\"}],"
                    + "\"queue\":\"wsf-order\",\"req\":\"late\",\"op\":\"push\"}";
            s.ws.sendBinary(ByteBuffer.wrap(frame.getBytes(StandardCharsets.UTF_8)), true).get(10, TimeUnit.SECONDS);
            JsonNode reply = s.next();
            assertThat(reply.path("op").asText()).as(reply.toString()).isEqualTo("ok");
            assertThat(reply.path("req").asText()).isEqualTo("late");
            assertThat(reply.path("ids")).hasSize(2);
        }
        JsonNode popped = api.post("/v1/queues/wsf-order/pop", "{\"max\":2}").json();
        assertThat(popped.path("messages").get(0).path("payload").path("req").asInt()).isEqualTo(99);
        assertThat(popped.path("messages").get(1).path("payload").asText()).isEqualTo("x");
    }

    @Test
    void shouldStoreJsonPayloadsAsWrittenWhenAFragmentedFramePushesThem() throws Exception {
        String payload = "{ \"a\" : [1, 2.50 ],\n \"s\":\"caf\u00e9 \\u00e9 \\\" }\" }";
        String frame = "{\"op\":\"push\",\"req\":1,\"queue\":\"wsf-raw\",\"messages\":[{\"payload\":" + payload
                + "},{\"payload\":  \"x\\ny\"  }]}";
        try (Socket s = new Socket(api.base)) {
            int cut = frame.indexOf("caf") + 2;
            s.ws.sendText(frame.substring(0, cut), false).get(10, TimeUnit.SECONDS);
            s.send(frame.substring(cut));
            JsonNode reply = s.next();
            assertThat(reply.path("ids")).as(reply.toString()).hasSize(2);
        }
        String popped = api.post("/v1/queues/wsf-raw/pop", "{\"max\":2}").text();
        assertThat(popped).contains("\"payload\":" + payload).contains("\"payload\":\"x\\ny\"");
        JsonNode m = ApiClient.JSON.readTree(popped).path("messages").get(0).path("payload");
        assertThat(m.path("s").asText()).isEqualTo("caf\u00e9 \u00e9 \" }");
        assertThat(m.path("a").get(1).decimalValue()).isEqualByComparingTo("2.5");
    }

    @Test
    void shouldRefuseFrameWhenItIsNotOneObjectOrItsReqIsTooLong() throws Exception {
        try (Socket s = new Socket(api.base)) {
            s.send("[1,2]");
            assertThat(s.next().path("error").path("code").asText()).isEqualTo("bad_request");
            s.send("{\"op\":\"push\",\"queue\":\"wsf-bad\",\"messages\":[{\"payload\":1}]");
            assertThat(s.next().path("error").path("code").asText()).isEqualTo("bad_request");
            s.send("{\"op\":\"push\",\"req\":\"" + "r".repeat(65) + "\",\"queue\":\"wsf-bad\",\"messages\":[]}");
            JsonNode bad = s.next();
            assertThat(bad.path("error").path("field").asText()).as(bad.toString()).isEqualTo("req");
            assertThat(bad.has("req")).isFalse();
            s.send("{\"req\":5,\"queue\":\"wsf-bad\",\"messages\":[]}");
            JsonNode noOp = s.next();
            assertThat(noOp.path("error").path("field").asText()).as(noOp.toString()).isEqualTo("op");
            assertThat(noOp.path("req").asLong()).isEqualTo(5);
        }
    }

    @Test
    void shouldReportOnlyUnappliedReceiptsWhenAckWithoutReqPartlyFails() throws Exception {
        api.put("/v1/queues/wsf-ack", "{}");
        api.pushJson("wsf-ack", "1");
        api.pushJson("wsf-ack", "2");
        try (Socket s = new Socket(api.base)) {
            s.send("{\"op\":\"subscribe\",\"req\":1,\"sub\":\"c\",\"queue\":\"wsf-ack\",\"credit\":2}");
            assertThat(s.next().path("op").asText()).isEqualTo("ok");
            List<JsonNode> ms = s.messages(2);
            String r1 = ms.get(0).path("receipt").asText();
            String r2 = ms.get(1).path("receipt").asText();
            // applied: no reply at all
            s.send("{\"op\":\"ack\",\"queue\":\"wsf-ack\",\"receipts\":[\"" + r1 + "\"]}");
            s.send("{\"op\":\"push\",\"req\":2,\"queue\":\"wsf-other\",\"messages\":[{\"payload\":1}]}");
            assertThat(s.next().path("req").asLong()).isEqualTo(2);
            // r1 again with r2: only r1 is reported
            s.send("{\"op\":\"ack\",\"queue\":\"wsf-ack\",\"receipts\":[\"" + r1 + "\",\"" + r2 + "\"]}");
            s.send("{\"op\":\"push\",\"req\":3,\"queue\":\"wsf-other\",\"messages\":[{\"payload\":1}]}");
            List<JsonNode> two = new ArrayList<>(List.of(s.next(), s.next()));
            two.sort(Comparator.comparing(f -> f.path("op").asText()));
            JsonNode error = two.get(0);
            assertThat(error.path("op").asText()).as(two.toString()).isEqualTo("error");
            assertThat(error.has("req")).isFalse();
            assertThat(error.path("error").path("code").asText()).isIn("stale_receipt", "not_found");
            assertThat(error.path("results")).hasSize(1);
            assertThat(error.path("results").get(0).path("receipt").asText()).isEqualTo(r1);
            assertThat(error.path("results").get(0).path("status").asText()).isIn("stale", "not_found");
            assertThat(two.get(1).path("req").asLong()).isEqualTo(3);
        }
        assertThat(api.get("/v1/queues/wsf-ack").json().path("stats").path("in_flight").asLong()).isZero();
    }
    @Test
    void shouldApplyBackToBackAcksWithoutReqBeforeTheSocketsNextRequest() throws Exception {
        api.put("/v1/queues/wsf-merge", "{}");
        for (int i = 0; i < 4; i++) {
            api.pushJson("wsf-merge", Integer.toString(i));
        }
        try (Socket s = new Socket(api.base)) {
            s.send("{\"op\":\"subscribe\",\"req\":1,\"sub\":\"c\",\"queue\":\"wsf-merge\",\"credit\":4}");
            assertThat(s.next().path("op").asText()).isEqualTo("ok");
            List<JsonNode> ms = s.messages(4);
            List<String> rs = ms.stream().map(m -> m.path("receipt").asText()).toList();
            // one ack frame per message, the second receipt twice: acks read in one turn are merged
            // into one broker call, and only the repeated receipt comes back, once
            for (String r : List.of(rs.get(0), rs.get(1), rs.get(1), rs.get(2))) {
                s.send("{\"op\":\"ack\",\"queue\":\"wsf-merge\",\"receipts\":[\"" + r + "\"]}");
            }
            // a later request on the socket sees the acks applied: the nack of an acked receipt is stale
            s.send("{\"op\":\"nack\",\"req\":2,\"queue\":\"wsf-merge\",\"receipts\":[\"" + rs.get(2)
                    + "\",\"" + rs.get(3) + "\"]}");
            List<JsonNode> two = new ArrayList<>(List.of(s.next(), s.next()));
            two.sort(Comparator.comparing(f -> f.path("op").asText()));
            JsonNode error = two.get(0);
            assertThat(error.path("op").asText()).as(two.toString()).isEqualTo("error");
            assertThat(error.has("req")).isFalse();
            assertThat(error.path("results")).hasSize(1);
            assertThat(error.path("results").get(0).path("receipt").asText()).isEqualTo(rs.get(1));
            JsonNode nacked = two.get(1);
            assertThat(nacked.path("req").asLong()).isEqualTo(2);
            List<String> statuses = nacked.path("results").findValuesAsText("status");
            assertThat(statuses).hasSize(2);
            assertThat(statuses.get(0)).isIn("stale", "not_found");
            assertThat(statuses.get(1)).isEqualTo("ok");
        }
        assertThat(api.get("/v1/queues/wsf-merge").json().path("stats").path("in_flight").asLong()).isZero();
    }
    @Test
    void shouldWritePushRepliesAsJacksonWould() {
        long[] ids = {0L, 0x1a207d5396100000L, -1L};
        String jackson = Json.render(g -> {
            g.writeStartObject();
            g.writeStringField("op", "ok");
            g.writeNumberField("req", 9_007_199_254_740_993L);
            PushRoutes.writeIdArray(g, ids);
            g.writeEndObject();
        }).toString(StandardCharsets.UTF_8);
        assertThat(StreamReplies.pushed(9_007_199_254_740_993L, ids).toString(StandardCharsets.UTF_8))
                .isEqualTo(jackson)
                .isEqualTo("{\"op\":\"ok\",\"req\":9007199254740993,\"ids\":[\"0000000000000000\","
                        + "\"1a207d5396100000\",\"ffffffffffffffff\"]}");
        assertThat(StreamReplies.pushed(-3, new long[0]).toString(StandardCharsets.UTF_8))
                .isEqualTo("{\"op\":\"ok\",\"req\":-3,\"ids\":[]}");
    }
}
