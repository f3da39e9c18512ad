package dev.spool.server.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Small deliveries to a plain-HTTP target go over kept-alive connections ({@link Connections}):
 * with concurrency 1 every delivery of a group reuses one connection until the endpoint closes it;
 * a reused connection the endpoint closes instead of answering is replaced and the request sent
 * again, without a failed attempt; long and chunked answers are read to their end with only the
 * reason's first bytes kept.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PushKeepAliveTest {
    private PushFixture spool;
    private RawEndpoint endpoint;

    @BeforeEach
    void start() {
        spool = PushFixture.start(PushFixture.config());
        spool.createQueue("jobs", PushFixture.FAST_RETRY);
    }

    @AfterEach
    void stop() {
        spool.close();
        if (endpoint != null) {
            endpoint.close();
        }
    }

    private void hook() {
        Http.Reply r = spool.putPush("jobs", "hook", "{\"url\": \"" + endpoint.url("/hook?x=1") + "\", \"start\": "
                + "\"earliest\", \"concurrency\": 1}");
        assertThat(r.status()).as(r.json().toString()).isEqualTo(200);
    }

    private void awaitState(String id, String state) {
        await().atMost(Duration.ofSeconds(20)).until(() -> spool.message("jobs", id, "hook").get("state").asText()
                .equals(state));
    }

    @Test
    void shouldSendEveryDeliveryOnOneConnectionWhenEndpointKeepsItOpen() throws Exception {
        endpoint = new RawEndpoint(r -> RawEndpoint.reply(204, ""));
        hook();

        List<String> ids = spool.push("jobs", "k", "a", "b", "c", "d", "e");

        ids.forEach(id -> awaitState(id, "acked"));
        assertThat(endpoint.requests).extracting(RawEndpoint.Request::body)
                .containsExactly("\"a\"", "\"b\"", "\"c\"", "\"d\"", "\"e\"");
        assertThat(endpoint.requests).extracting(RawEndpoint.Request::onConnection).containsExactly(0, 1, 2, 3, 4);
        assertThat(endpoint.connections()).isEqualTo(1);
        RawEndpoint.Request first = endpoint.requests.get(0);
        assertThat(first.headers()).containsEntry("host", "127.0.0.1:" + endpoint.url("").split(":")[2])
                .containsEntry("content-length", "3").containsEntry("spool-message-id", ids.get(0))
                .containsEntry("spool-queue", "jobs").containsEntry("spool-key", "k")
                .containsEntry("content-type", "application/json").doesNotContainKey("connection");
    }

    @Test
    void shouldSendAgainOnNewConnectionWhenEndpointClosesAKeptOneInsteadOfAnswering() throws Exception {
        // as an endpoint whose idle timeout fires just as the next request arrives
        endpoint = new RawEndpoint(r -> r.onConnection() == 1 ? null : RawEndpoint.reply(200, "ok"));
        hook();

        String first = spool.push("jobs", null, "a").get(0);
        awaitState(first, "acked");
        String second = spool.push("jobs", null, "b").get(0);
        awaitState(second, "acked");

        assertThat(endpoint.requests).extracting(r -> r.connection() + ":" + r.body())
                .containsExactly("0:\"a\"", "0:\"b\"", "1:\"b\"");
        JsonNode view = spool.message("jobs", second, "hook");
        assertThat(view.get("attempts").asInt()).as("not a failed attempt").isEqualTo(1);
        JsonNode delivery = spool.getPush("jobs", "hook").get("delivery");
        assertThat(delivery.get("retries").asLong()).isZero();
        assertThat(delivery.get("delivered").asLong()).isEqualTo(2);
    }

    @Test
    void shouldRetryWhenANewConnectionClosesBeforeTheAnswer() throws Exception {
        endpoint = new RawEndpoint(r -> r.connection() == 0 ? null : RawEndpoint.reply(200, ""));
        hook();

        String id = spool.push("jobs", null, "a").get(0);

        awaitState(id, "acked");
        assertThat(endpoint.requests).extracting(RawEndpoint.Request::connection).containsExactly(0, 1);
        assertThat(spool.message("jobs", id, "hook").get("attempts").asInt()).isEqualTo(2);
        assertThat(spool.getPush("jobs", "hook").get("delivery").get("retries").asLong()).isEqualTo(1);
    }

    @Test
    void shouldOpenANewConnectionWhenEndpointAnswersConnectionClose() throws Exception {
        endpoint = new RawEndpoint(r -> RawEndpoint.reply(200, "", "Connection: close"));
        hook();

        List<String> ids = spool.push("jobs", "k", "a", "b");

        ids.forEach(id -> awaitState(id, "acked"));
        assertThat(endpoint.requests).extracting(RawEndpoint.Request::connection).containsExactly(0, 1);
    }

    @Test
    void shouldKeepOnlyTheReasonBytesOfALongErrorAnswerAndReuseItsConnection() throws Exception {
        String text = "x".repeat(Poster.REASON_BYTES) + "TAIL".repeat(50_000);
        endpoint = new RawEndpoint(r -> r.body().equals("\"bad\"") ? RawEndpoint.reply(410, text)
                : RawEndpoint.reply(200, ""));
        hook();

        List<String> ids = spool.push("jobs", "k", "bad", "good");

        awaitState(ids.get(0), "dead");
        awaitState(ids.get(1), "acked");
        assertThat(spool.message("jobs", ids.get(0), "hook").get("last_error").asText())
                .isEqualTo("http 410: " + "x".repeat(Poster.REASON_BYTES));
        assertThat(endpoint.requests).extracting(RawEndpoint.Request::connection).containsExactly(0, 0);
    }

    @Test
    void shouldReadAChunkedAnswerToItsEnd() throws Exception {
        endpoint = new RawEndpoint(r -> r.body().equals("\"bad\"") ? RawEndpoint.chunked(410, "device ", "retired")
                : RawEndpoint.chunked(200, "fine"));
        hook();

        List<String> ids = spool.push("jobs", "k", "bad", "good");

        awaitState(ids.get(0), "dead");
        awaitState(ids.get(1), "acked");
        assertThat(spool.message("jobs", ids.get(0), "hook").get("last_error").asText())
                .isEqualTo("http 410: device retired");
        assertThat(endpoint.requests).extracting(RawEndpoint.Request::connection).containsExactly(0, 0);
    }

    @Test
    void shouldLeaveAKeyThatIsNotPlainAsciiToTheVertxClient() throws Exception {
        endpoint = new RawEndpoint(r -> RawEndpoint.reply(204, ""));
        hook();

        String a = spool.push("jobs", "k", "a").get(0);
        awaitState(a, "acked");
        String b = spool.push("jobs", "na\u00efve", "b").get(0);
        awaitState(b, "acked");
        String c = spool.push("jobs", "k", "c").get(0);
        awaitState(c, "acked");

        assertThat(endpoint.requests).extracting(r -> r.connection() + ":" + r.body())
                .containsExactly("0:\"a\"", "1:\"b\"", "0:\"c\"");
    }
}
