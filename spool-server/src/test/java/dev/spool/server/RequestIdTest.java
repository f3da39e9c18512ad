package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/** Every reply carries a request id, error bodies and log lines name it, and no payload is logged. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RequestIdTest {
    private static ApiClient api;
    private static final ListAppender<ILoggingEvent> LINES = new ListAppender<>();
    private static Logger gate;
    private static Level level;

    @BeforeAll
    static void start() {
        gate = (Logger) LoggerFactory.getLogger(Gate.class);
        level = gate.getLevel();
        gate.setLevel(Level.DEBUG);
        LINES.start();
        gate.addAppender(LINES);
        api = ApiClient.start();
    }

    @AfterAll
    static void stop() {
        api.close();
        gate.detachAppender(LINES);
        gate.setLevel(level);
    }

    @Test
    void shouldReturnAGeneratedIdOnEveryReplyAndInErrorBodies() {
        ApiClient.Resp ok = api.get("/healthz");
        assertThat(ok.header("Spool-Request-Id")).matches("[0-9a-f]{16}");
        ApiClient.Resp missing = api.get("/v1/queues/nothing-here");
        assertThat(missing.status()).isEqualTo(404);
        String id = missing.header("Spool-Request-Id");
        assertThat(id).matches("[0-9a-f]{16}").isNotEqualTo(ok.header("Spool-Request-Id"));
        assertThat(missing.json().path("error").path("request_id").asText()).isEqualTo(id);
        assertThat(missing.errorCode()).isEqualTo("queue_not_found");
    }

    @Test
    void shouldKeepTheCallersIdWhenPlausibleAndReplaceItOtherwise() {
        ApiClient.Resp given = api.send("GET", "/v1/queues", null, "X-Request-Id", "edge-7f3a:42");
        assertThat(given.header("Spool-Request-Id")).isEqualTo("edge-7f3a:42");
        ApiClient.Resp forged = api.send("GET", "/v1/queues", null, "X-Request-Id", "a\" level=\"ERROR");
        assertThat(forged.header("Spool-Request-Id")).matches("[0-9a-f]{16}");
    }

    @Test
    void shouldLogTheRequestWithItsIdAndWithoutItsPayload() {
        String secret = "card-4111111111111111";
        ApiClient.Resp pushed = api.send("POST", "/v1/queues/logged/messages",
                ("{\"messages\":[{\"payload\":\"" + secret + "\"}]}").getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json", "X-Request-Id", "trace-me-1");
        assertThat(pushed.status()).isEqualTo(200);
        Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> linesOf("trace-me-1").size() == 1);
        ILoggingEvent line = linesOf("trace-me-1").get(0);
        assertThat(line.getKeyValuePairs().toString()).contains("route=\"/v1/queues/:q/messages\"", "status=\"200\"",
                "method=\"POST\"");
        List<ILoggingEvent> all;
        synchronized (LINES) {
            all = List.copyOf(LINES.list);
        }
        assertThat(all).noneMatch(e -> e.getFormattedMessage().contains(secret)
                || String.valueOf(e.getKeyValuePairs()).contains(secret));
    }

    private static List<ILoggingEvent> linesOf(String requestId) {
        synchronized (LINES) {
            return LINES.list.stream().filter(e -> e.getKeyValuePairs() != null && e.getKeyValuePairs().stream()
                    .anyMatch(kv -> kv.key.equals("request_id") && requestId.equals(kv.value))).toList();
        }
    }
}
