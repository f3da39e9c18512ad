package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The {@code /v1/stream} WebSocket: push, credit-based subscribe, batched acks, errors. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StreamApiTest {
    private static ApiClient api;

    @BeforeAll
    static void start() {
        api = ApiClient.start();
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    /** A test WebSocket collecting the frames it receives. */
    static final class Socket implements WebSocket.Listener, AutoCloseable {
        final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();
        final WebSocket ws;
        /** The status code of the server's close frame. */
        final CompletableFuture<Integer> closed = new CompletableFuture<>();

        Socket(String base) throws Exception {
            ws = HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(URI.create(base.replace("http://", "ws://") + "/v1/stream"), this)
                    .get(10, TimeUnit.SECONDS);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    frames.add(ApiClient.JSON.readTree(partial.toString()));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        void send(String frame) throws Exception {
            ws.sendText(frame, true).get(10, TimeUnit.SECONDS);
        }

        void sendBinary(byte[] message) throws Exception {
            ws.sendBinary(java.nio.ByteBuffer.wrap(message), true).get(10, TimeUnit.SECONDS);
        }

        JsonNode next() throws InterruptedException {
            JsonNode f = frames.poll(10, TimeUnit.SECONDS);
            assertThat(f).as("a frame within 10 s").isNotNull();
            return f;
        }

        /** Collects message frames of a subscription until {@code n} messages arrived. */
        List<JsonNode> messages(int n) throws InterruptedException {
            List<JsonNode> out = new ArrayList<>();
            while (out.size() < n) {
                JsonNode f = next();
                assertThat(f.path("op").asText()).as(f.toString()).isEqualTo("messages");
                f.path("messages").forEach(out::add);
            }
            return out;
        }

        @Override
        public void close() {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
    }

    @Test
    void shouldPushAndEchoReqId() throws Exception {
        try (Socket s = new Socket(api.base)) {
            s.send("{\"op\":\"push\",\"req\":\"a-1\",\"queue\":\"ws-push\",\"messages\":[{\"payload\":1},{\"payload\":2}]}");
            JsonNode reply = s.next();
            assertThat(reply.path("op").asText()).isEqualTo("ok");
            assertThat(reply.path("req").asText()).isEqualTo("a-1");
            assertThat(reply.path("ids")).hasSize(2);
            s.send("{\"req\":7,\"op\":\"push\",\"queue\":\"ws-push\",\"messages\":[{\"payload\":3}]}");
            assertThat(s.next().path("req").asLong()).isEqualTo(7);
        }
        assertThat(api.get("/v1/queues/ws-push").json().path("stats").path("ready").asLong()).isEqualTo(3);
    }

    @Test
    void shouldSendNoMoreThanCreditUntilMoreIsGranted() throws Exception {
        api.put("/v1/queues/ws-credit", "{}");
        try (Socket s = new Socket(api.base)) {
            s.send("{\"op\":\"subscribe\",\"req\":1,\"sub\":\"main\",\"queue\":\"ws-credit\",\"credit\":2}");
            JsonNode ok = s.next();
            assertThat(ok.path("sub").asText()).as(ok.toString()).isEqualTo("main");
            for (int i = 0; i < 5; i++) {
                api.pushJson("ws-credit", Integer.toString(i));
            }
            List<JsonNode> first = s.messages(2);
            assertThat(first).extracting(m -> m.path("payload").asInt()).containsExactly(0, 1);
            Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() ->
                    api.get("/v1/queues/ws-credit").json().path("stats").path("in_flight").asLong() == 2);
            assertThat(api.get("/v1/queues/ws-credit").json().path("stats").path("ready").asLong()).isEqualTo(3);
            s.send("{\"op\":\"ack\",\"req\":2,\"queue\":\"ws-credit\",\"receipts\":[\""
                    + first.get(0).path("receipt").asText() + "\",\"" + first.get(1).path("receipt").asText() + "\"]}");
            JsonNode acked = s.next();
            assertThat(acked.path("results").findValuesAsText("status")).containsExactly("ok", "ok");
            s.send("{\"op\":\"credit\",\"sub\":\"main\",\"credit\":3}");
            List<JsonNode> rest = s.messages(3);
            assertThat(rest).extracting(m -> m.path("payload").asInt()).containsExactly(2, 3, 4);
        }
    }

    @Test
    void shouldGrantCreditCarriedByAnAck() throws Exception {
        api.put("/v1/queues/ws-ackcredit", "{}");
        try (Socket s = new Socket(api.base)) {
            s.send("{\"op\":\"subscribe\",\"req\":1,\"sub\":\"c\",\"queue\":\"ws-ackcredit\",\"credit\":1}");
            s.next();
            api.pushJson("ws-ackcredit", "1");
            api.pushJson("ws-ackcredit", "2");
            JsonNode m1 = s.messages(1).get(0);
            s.send("{\"op\":\"ack\",\"queue\":\"ws-ackcredit\",\"receipts\":[\"" + m1.path("receipt").asText()
                    + "\"],\"sub\":\"c\",\"credit\":1}");
            JsonNode m2 = s.messages(1).get(0);
            assertThat(m2.path("payload").asInt()).isEqualTo(2);
            // the ack (no req) is applied at the end of the network thread's turn, and the credit it
            // carries may deliver the next message first: in flight settles at one
            Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> api.get("/v1/queues/ws-ackcredit")
                    .json().path("stats").path("in_flight").asLong() == 1);
        }
    }

    @Test
    void shouldWakeSubscriptionWhenMessageIsPushed() throws Exception {
        api.put("/v1/queues/ws-wake", "{}");
        try (Socket s = new Socket(api.base)) {
            s.send("{\"op\":\"subscribe\",\"req\":1,\"queue\":\"ws-wake\",\"credit\":10}");
            String sub = s.next().path("sub").asText();
            assertThat(sub).isNotEmpty();
            api.pushJson("ws-wake", "\"now\"");
            JsonNode f = s.next();
            assertThat(f.path("sub").asText()).isEqualTo(sub);
            assertThat(f.path("messages").get(0).path("payload").asText()).isEqualTo("now");
        }
    }

    @Test
    void shouldAnswerErrorFramesForBadInput() throws Exception {
        try (Socket s = new Socket(api.base)) {
            s.send("{not json");
            JsonNode e1 = s.next();
            assertThat(e1.path("op").asText()).isEqualTo("error");
            assertThat(e1.path("error").path("code").asText()).isEqualTo("bad_request");
            s.send("{\"op\":\"fly\",\"req\":3}");
            JsonNode e2 = s.next();
            assertThat(e2.path("req").asInt()).isEqualTo(3);
            assertThat(e2.path("error").path("field").asText()).isEqualTo("op");
            s.send("{\"op\":\"push\",\"req\":4,\"queue\":\"ws-bad\",\"messages\":[{\"payload\":1,\"priority\":99}]}");
            assertThat(s.next().path("error").path("field").asText()).isEqualTo("messages[0].priority");
            s.send("{\"op\":\"credit\",\"req\":5,\"sub\":\"nope\",\"credit\":1}");
            assertThat(s.next().path("error").path("code").asText()).isEqualTo("not_found");
            s.send("{\"op\":\"push\",\"req\":6,\"queue\":\"ws-ok\",\"messages\":[{\"payload\":1}]}");
            assertThat(s.next().path("op").asText()).isEqualTo("ok");
        }
        assertThat(api.get("/v1/queues/ws-bad").status()).isEqualTo(404);
    }

    @Test
    void shouldNackExtendAndUnsubscribeOnANamedGroup() throws Exception {
        api.put("/v1/queues/ws-settle", "{}");
        api.put("/v1/queues/ws-settle/groups/side", "{\"start\":\"earliest\"}");
        String id = api.pushJson("ws-settle", "\"one\"");
        try (Socket s = new Socket(api.base)) {
            s.send("{\"op\":\"subscribe\",\"req\":1,\"sub\":\"g\",\"queue\":\"ws-settle\",\"group\":\"side\","
                    + "\"credit\":1,\"visibility_ms\":60000}");
            assertThat(s.next().path("op").asText()).isEqualTo("ok");
            JsonNode m = s.messages(1).get(0);
            assertThat(m.path("id").asText()).isEqualTo(id);
            JsonNode side = api.get("/v1/queues/ws-settle/groups/side").json().path("stats");
            assertThat(side.path("in_flight").asLong()).isEqualTo(1);
            assertThat(api.get("/v1/queues/ws-settle").json().path("stats").path("ready").asLong()).isEqualTo(1);
            String receipt = "[\"" + m.path("receipt").asText() + "\"]";

            s.send("{\"op\":\"extend\",\"req\":2,\"queue\":\"ws-settle\",\"group\":\"side\",\"receipts\":" + receipt
                    + ",\"visibility_ms\":120000}");
            JsonNode extended = s.next();
            assertThat(extended.path("req").asInt()).isEqualTo(2);
            assertThat(extended.path("results").findValuesAsText("status")).containsExactly("ok");

            s.send("{\"op\":\"nack\",\"req\":3,\"queue\":\"ws-settle\",\"group\":\"side\",\"receipts\":" + receipt
                    + ",\"delay_ms\":0,\"reason\":\"again\",\"sub\":\"g\",\"credit\":1}");
            List<JsonNode> frames = List.of(s.next(), s.next());
            JsonNode nacked = frames.stream().filter(f -> f.path("op").asText().equals("ok")).findFirst().orElseThrow();
            assertThat(nacked.path("results").findValuesAsText("status")).containsExactly("ok");
            JsonNode again = frames.stream().filter(f -> f.path("op").asText().equals("messages")).findFirst()
                    .orElseThrow().path("messages").get(0);
            assertThat(again.path("id").asText()).isEqualTo(id);
            assertThat(again.path("attempts").asInt()).isEqualTo(2);

            s.send("{\"op\":\"credit\",\"sub\":\"g\",\"credit\":5}");
            s.send("{\"op\":\"unsubscribe\",\"req\":4,\"sub\":\"g\"}");
            assertThat(s.next().path("req").asInt()).isEqualTo(4);
            s.send("{\"op\":\"credit\",\"req\":5,\"sub\":\"g\",\"credit\":1}");
            assertThat(s.next().path("error").path("code").asText()).isEqualTo("not_found");
            // an ack that crosses the unsubscribe still applies; only its credit is dropped
            s.send("{\"op\":\"ack\",\"req\":7,\"queue\":\"ws-settle\",\"group\":\"side\",\"receipts\":[\""
                    + again.path("receipt").asText() + "\"],\"sub\":\"g\",\"credit\":1}");
            JsonNode late = s.next();
            assertThat(late.path("req").asInt()).isEqualTo(7);
            assertThat(late.path("results").findValuesAsText("status")).containsExactly("ok");
            assertThat(api.get("/v1/queues/ws-settle/groups/side").json().path("stats").path("in_flight").asLong())
                    .isZero();
            api.pushJson("ws-settle", "\"two\"");
            s.send("{\"op\":\"subscribe\",\"req\":6,\"sub\":\"g2\",\"queue\":\"ws-settle\",\"group\":\"side\","
                    + "\"credit\":1}");
            assertThat(s.next().path("sub").asText()).isEqualTo("g2");
            JsonNode next = s.next();
            assertThat(next.path("sub").asText()).as("the unsubscribed g took nothing").isEqualTo("g2");
            assertThat(next.path("messages").get(0).path("payload").asText()).isEqualTo("two");
        }
    }
}
