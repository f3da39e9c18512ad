package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** W3C traceparent and tracestate: stored with a message however it is pushed, returned however it is taken. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TraceContextTest {
    private static final String PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final String OTHER = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private static final String STATE = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";
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
    void shouldReturnTraceparentAndTracestateOfJsonMessageWhenPopped() {
        ApiClient.Resp r = api.post("/v1/queues/tr-json/messages", "{\"messages\":[{\"payload\":1,\"traceparent\":\""
                + PARENT + "\",\"tracestate\":\"" + STATE + "\"}]}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode m = api.pop("tr-json", 1).get(0);
        assertThat(m.path("traceparent").asText()).isEqualTo(PARENT);
        assertThat(m.path("headers").path("tracestate").asText()).isEqualTo(STATE);
    }

    @Test
    void shouldApplyRequestTraceHeadersToMessagesWithoutTheirOwn() {
        ApiClient.Resp r = api.send("POST", "/v1/queues/tr-inherit/messages",
                ("{\"messages\":[{\"payload\":1},{\"payload\":2,\"traceparent\":\"" + OTHER + "\"}]}")
                        .getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json", "traceparent", PARENT, "tracestate", STATE);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode ms = api.pop("tr-inherit", 2);
        assertThat(ms.get(0).path("traceparent").asText()).isEqualTo(PARENT);
        assertThat(ms.get(0).path("headers").path("tracestate").asText()).isEqualTo(STATE);
        assertThat(ms.get(1).path("traceparent").asText()).as("its own wins").isEqualTo(OTHER);
        assertThat(ms.get(1).path("headers").has("tracestate")).isFalse();
    }

    @Test
    void shouldReturnW3cHeadersOnRawPopOfRawPush() {
        ApiClient.Resp pushed = api.send("POST", "/v1/queues/tr-raw/messages", "bytes".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/octet-stream", "traceparent", PARENT, "tracestate", STATE);
        assertThat(pushed.status()).as(pushed.toString()).isEqualTo(200);
        ApiClient.Resp popped = api.send("POST", "/v1/queues/tr-raw/pop", null, "Accept", "application/octet-stream");
        assertThat(popped.status()).isEqualTo(200);
        assertThat(popped.header("traceparent")).isEqualTo(PARENT);
        assertThat(popped.header("tracestate")).isEqualTo(STATE);
        assertThat(popped.header("Spool-Traceparent")).isEqualTo(PARENT);
    }

    @Test
    void shouldContinueTraceOnStreamDelivery() throws Exception {
        api.put("/v1/queues/tr-stream", "{}");
        try (StreamApiTest.Socket s = new StreamApiTest.Socket(api.base)) {
            s.send("{\"op\":\"subscribe\",\"req\":1,\"queue\":\"tr-stream\",\"credit\":10}");
            assertThat(s.next().path("op").asText()).isEqualTo("ok");
            api.send("POST", "/v1/queues/tr-stream/messages", "x".getBytes(StandardCharsets.UTF_8),
                    "Content-Type", "text/plain", "Spool-Traceparent", PARENT, "Spool-Tracestate", STATE);
            JsonNode m = s.next().path("messages").get(0);
            assertThat(m.path("traceparent").asText()).isEqualTo(PARENT);
            assertThat(m.path("headers").path("tracestate").asText()).isEqualTo(STATE);
        }
    }

    @Test
    void shouldRefuseMalformedTraceContext() {
        ApiClient.Resp badState = api.post("/v1/queues/tr-bad/messages",
                "{\"messages\":[{\"payload\":1,\"tracestate\":\"" + "x".repeat(600) + "\"}]}");
        assertThat(badState.status()).isEqualTo(400);
        assertThat(badState.errorField()).isEqualTo("messages[0].tracestate");
        ApiClient.Resp badParent = api.send("POST", "/v1/queues/tr-bad/messages",
                "{\"messages\":[{\"payload\":1}]}".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json", "traceparent", "not-a-trace");
        assertThat(badParent.status()).isEqualTo(400);
        assertThat(badParent.errorField()).isEqualTo("traceparent");
        assertThat(api.get("/v1/queues/tr-bad").status()).isEqualTo(404);
    }
}
