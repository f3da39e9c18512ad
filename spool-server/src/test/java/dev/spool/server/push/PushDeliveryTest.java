package dev.spool.server.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

/** Push delivery against real HTTP endpoints: what each kind of answer does to the message. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PushDeliveryTest {
    private PushFixture spool;
    private Endpoint endpoint;

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

    private void hook(String extra) {
        Http.Reply r = spool.putPush("jobs", "hook", "{\"url\": \"" + endpoint.url("/hook?x=1") + "\", \"start\": "
                + "\"earliest\"" + extra + "}");
        assertThat(r.status()).as(r.json().toString()).isEqualTo(200);
    }

    private void awaitDrained() {
        await().atMost(Duration.ofSeconds(20)).until(() -> spool.pending("jobs", "hook") == 0);
    }

    @Test
    void shouldDeliverAndFinishTheQueuesOwnMessagesWhenTheDefaultGroupIsAPushGroup() throws Exception {
        endpoint = new Endpoint(r -> Endpoint.Reply.status(204));
        String first = spool.push("jobs", null, "a").get(0);

        Http.Reply put = spool.putPush("jobs", "default", "{\"url\": \"" + endpoint.url("/own") + "\"}");
        spool.push("jobs", null, "b", "c");

        assertThat(put.status()).as(put.json().toString()).isEqualTo(200);
        assertThat(put.json().get("config").get("start").asText()).as("the default group's start").isEqualTo("earliest");
        await().atMost(Duration.ofSeconds(20)).until(() -> endpoint.requests.size() >= 3
                && spool.pending("jobs", "default") == 0);
        assertThat(endpoint.requests).extracting(Endpoint.Request::text)
                .containsExactlyInAnyOrder("\"a\"", "\"b\"", "\"c\"");
        JsonNode queue = Http.send("GET", spool.url("/v1/queues/jobs"), null).json();
        assertThat(queue.get("push").get("url").asText()).isEqualTo(endpoint.url("/own"));
        assertThat(queue.get("stats").get("ready").asLong()).isZero();
        assertThat(queue.get("groups")).as("the default group is not listed twice").isEmpty();
        assertThat(Http.send("GET", spool.url("/v1/queues/jobs/messages/" + first), null).status())
                .as("finished in its only group, with retention_ms 0: forgotten").isEqualTo(404);
        assertThat(Http.send("GET", spool.url("/v1/queues/jobs/push"), null).json().get("push"))
                .extracting(n -> n.get("name").asText()).containsExactly("default");
        assertThat(Http.send("PUT", spool.url("/v1/queues/jobs/groups/default"), "{\"start\": \"earliest\"}")
                .status()).as("a plain PUT would drop the push configuration").isEqualTo(409);
        assertThat(endpoint.requests).hasSize(3);
    }

    @Test
    void shouldRefuseADefaultPushGroupThatDoesNotStartAtTheEarliestAndChangeNothing() throws Exception {
        endpoint = new Endpoint(r -> Endpoint.Reply.status(204));
        String id = spool.push("jobs", null, "a").get(0);

        Http.Reply put = spool.putPush("jobs", "default", "{\"url\": \"" + endpoint.url("/own") + "\", "
                + "\"start\": \"latest\"}");

        assertThat(put.status()).as(put.json().toString()).isEqualTo(409);
        assertThat(put.json().get("error").get("code").asText()).isEqualTo("conflict");
        assertThat(Http.send("GET", spool.url("/v1/queues/jobs/push/default"), null).status()).isEqualTo(404);
        assertThat(Http.send("GET", spool.url("/v1/queues/jobs"), null).json().has("push")).isFalse();
        assertThat(spool.message("jobs", id, "default").get("state").asText()).isEqualTo("ready");
        assertThat(endpoint.requests).isEmpty();
    }

    @Test
    void shouldKeepTheQueuesOwnMessagesReadyAfterThePushGroupOnTheDefaultGroupIsDeleted() throws Exception {
        endpoint = new Endpoint(r -> Endpoint.Reply.status(204));
        assertThat(spool.putPush("jobs", "default", "{\"url\": \"" + endpoint.url("/own") + "\"}").status())
                .isEqualTo(200);
        spool.push("jobs", null, "a");
        await().atMost(Duration.ofSeconds(20)).until(() -> endpoint.requests.size() >= 1
                && spool.pending("jobs", "default") == 0);

        Http.Reply deleted = Http.send("DELETE", spool.url("/v1/queues/jobs/push/default"), null);
        String id = spool.push("jobs", null, "b").get(0);

        assertThat(deleted.status()).isEqualTo(204);
        assertThat(Http.send("GET", spool.url("/v1/queues/jobs/push/default"), null).status()).isEqualTo(404);
        assertThat(Http.send("GET", spool.url("/v1/queues/jobs/groups/default"), null).status()).isEqualTo(200);
        assertThat(Http.send("GET", spool.url("/v1/queues/jobs"), null).json().has("push")).isFalse();
        assertThat(spool.message("jobs", id, "default").get("state").asText()).isEqualTo("ready");
        assertThat(endpoint.requests).extracting(Endpoint.Request::text).containsExactly("\"a\"");
    }

    @Test
    void shouldAckEachMessageOnceWhenEndpointAnswers2xx() throws Exception {
        endpoint = new Endpoint(r -> Endpoint.Reply.status(204));
        hook("");

        List<String> ids = spool.push("jobs", null, "a", "b", "c");

        await().atMost(Duration.ofSeconds(20)).until(() -> endpoint.requests.size() >= 3);
        awaitDrained();
        assertThat(endpoint.requests).extracting(Endpoint.Request::text)
                .containsExactlyInAnyOrder("\"a\"", "\"b\"", "\"c\"");
        Endpoint.Request first = endpoint.requests.stream().filter(r -> r.text().equals("\"a\"")).findFirst().get();
        assertThat(first.header("Spool-Message-Id")).isEqualTo(ids.get(0));
        assertThat(first.header("Spool-Attempt")).isEqualTo("1");
        assertThat(first.header("Spool-Queue")).isEqualTo("jobs");
        assertThat(first.header("Content-Type")).isEqualTo("application/json");
        assertThat(first.header("webhook-signature")).as("no secrets, no signature").isNull();
        assertThat(spool.message("jobs", ids.get(0), "hook").get("state").asText()).isEqualTo("acked");
        assertThat(spool.message("jobs", ids.get(0), "default").get("state").asText())
                .as("the default group is not touched").isEqualTo("ready");
        JsonNode delivery = spool.getPush("jobs", "hook").get("delivery");
        assertThat(delivery.get("delivered").asLong()).isEqualTo(3);
        assertThat(endpoint.requests).hasSize(3);
    }

    @Test
    void shouldRetryWithBackoffWhenEndpointAnswers500ThenSucceed() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        endpoint = new Endpoint(r -> Endpoint.Reply.status(calls.incrementAndGet() <= 2 ? 500 : 200));
        hook("");

        String id = spool.push("jobs", null, "x").get(0);

        await().atMost(Duration.ofSeconds(20)).until(
                () -> spool.message("jobs", id, "hook").get("state").asText().equals("acked"));
        assertThat(endpoint.requests).extracting(r -> r.header("Spool-Attempt")).containsExactly("1", "2", "3");
        assertThat(spool.message("jobs", id, "hook").get("attempts").asInt()).isEqualTo(3);
        JsonNode delivery = spool.getPush("jobs", "hook").get("delivery");
        assertThat(delivery.get("retries").asLong()).isEqualTo(2);
        assertThat(delivery.get("delivered").asLong()).isEqualTo(1);
    }

    @Test
    void shouldWaitForRetryAfterWhenEndpointAnswers429() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        endpoint = new Endpoint(r -> calls.incrementAndGet() == 1
                ? new Endpoint.Reply(429, "slow down", Map.of("Retry-After", "2"), 0) : Endpoint.Reply.status(200));
        hook("");

        String id = spool.push("jobs", null, "x").get(0);

        await().atMost(Duration.ofSeconds(20)).until(
                () -> spool.message("jobs", id, "hook").get("state").asText().equals("acked"));
        assertThat(endpoint.requests).hasSize(2);
        long gapMs = (endpoint.requests.get(1).atNanos() - endpoint.requests.get(0).atNanos()) / 1_000_000;
        assertThat(gapMs).as("Retry-After: 2 beats the queue's 50 ms backoff").isGreaterThanOrEqualTo(1_900);
    }

    @Test
    void shouldDeadLetterAtOnceWithStatusAndBodyWhenEndpointAnswers410() throws Exception {
        endpoint = new Endpoint(r -> new Endpoint.Reply(410, "device retired", Map.of(), 0));
        hook("");

        String id = spool.push("jobs", null, "x").get(0);

        await().atMost(Duration.ofSeconds(20)).until(
                () -> spool.message("jobs", id, "hook").get("state").asText().equals("dead"));
        assertThat(endpoint.requests).hasSize(1);
        JsonNode view = spool.message("jobs", id, "hook");
        assertThat(view.get("last_error").asText()).isEqualTo("http 410: device retired");
        Http.Reply dead = Http.send("POST", spool.url("/v1/queues/jobs.dlq/pop"), "{\"max\": 10}");
        JsonNode m = dead.json().get("messages").get(0);
        assertThat(m.get("payload").asText()).isEqualTo("x");
        assertThat(m.get("headers").get("spool-dead-reason").asText()).isEqualTo("http 410: device retired");
        assertThat(m.get("headers").get("spool-source-group").asText()).isEqualTo("hook");
        assertThat(spool.getPush("jobs", "hook").get("delivery").get("failed").asLong()).isEqualTo(1);
    }

    @Test
    void shouldRetryWhenEndpointDoesNotAnswerWithinTimeout() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        endpoint = new Endpoint(r -> calls.incrementAndGet() == 1
                ? new Endpoint.Reply(200, "", Map.of(), 3_000) : Endpoint.Reply.status(200));
        hook(", \"timeout_ms\": 300");

        String id = spool.push("jobs", null, "x").get(0);

        await().atMost(Duration.ofSeconds(20)).until(
                () -> spool.message("jobs", id, "hook").get("state").asText().equals("acked"));
        JsonNode view = spool.message("jobs", id, "hook");
        assertThat(view.get("attempts").asInt()).isEqualTo(2);
        assertThat(view.get("last_error").asText()).contains("timed out after 300 ms");
    }

    @Test
    void shouldRetryWhenConnectionIsRefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        Http.Reply r = spool.putPush("jobs", "hook", "{\"url\": \"http://127.0.0.1:" + port + "/x\", \"timeout_ms\": 1000}");
        assertThat(r.status()).isEqualTo(200);

        String id = spool.push("jobs", null, "x").get(0);

        await().atMost(Duration.ofSeconds(20)).until(() -> spool.message("jobs", id, "hook").get("attempts").asInt() >= 2);
        JsonNode view = spool.message("jobs", id, "hook");
        assertThat(view.get("state").asText()).isIn("ready", "delayed", "in_flight");
        assertThat(view.get("last_error").asText()).startsWith("request failed");
        endpoint = new Endpoint(port, x -> Endpoint.Reply.status(200));
        await().atMost(Duration.ofSeconds(30)).until(
                () -> spool.message("jobs", id, "hook").get("state").asText().equals("acked"));
        assertThat(endpoint.requests).hasSize(1);
    }

    @Test
    void shouldPauseTheGroupWithGrowingBackoffWhenEndpointKeepsFailing() throws Exception {
        endpoint = new Endpoint(r -> Endpoint.Reply.status(503));
        hook(", \"concurrency\": 1");
        String[] many = new String[20];
        java.util.Arrays.fill(many, "x");

        spool.push("jobs", null, many);

        await().atMost(Duration.ofSeconds(20)).until(
                () -> spool.getPush("jobs", "hook").get("delivery").get("circuit").asText().equals("open"));
        JsonNode d = spool.getPush("jobs", "hook").get("delivery");
        assertThat(d.get("consecutive_failures").asInt()).isGreaterThanOrEqualTo(PushWorker.TRIP_AFTER);
        assertThat(d.get("last_status").asInt()).isEqualTo(503);
        await().atMost(Duration.ofSeconds(20)).until(() -> endpoint.requests.size() >= PushWorker.TRIP_AFTER + 2);
        List<Endpoint.Request> rs = endpoint.requests.stream()
                .sorted((x, y) -> Integer.compare(x.seq(), y.seq())).toList();
        long firstPause = (rs.get(PushWorker.TRIP_AFTER).atNanos() - rs.get(PushWorker.TRIP_AFTER - 1).atNanos()) / 1_000_000;
        long secondPause = (rs.get(PushWorker.TRIP_AFTER + 1).atNanos() - rs.get(PushWorker.TRIP_AFTER).atNanos())
                / 1_000_000;
        // the pauses are PushWorker.BREAKER's: 1 s then 2 s nominal, each drawn from [half, full] (equal jitter)
        assertThat(firstPause).isGreaterThanOrEqualTo(490);
        assertThat(secondPause).isGreaterThanOrEqualTo(990);
        endpoint.answer(r -> Endpoint.Reply.status(200));
        await().atMost(Duration.ofSeconds(30)).until(() -> spool.pending("jobs", "hook") == 0);
        assertThat(spool.getPush("jobs", "hook").get("delivery").get("circuit").asText()).isEqualTo("closed");
    }

    @Test
    void shouldClassifyAnswersAndReadRetryAfterInBothForms() {
        assertThat(Poster.classify(201, null, "")).isInstanceOf(Outcome.Delivered.class);
        assertThat(Poster.classify(408, null, "")).isInstanceOf(Outcome.Retry.class);
        assertThat(Poster.classify(502, null, "")).isInstanceOf(Outcome.Retry.class);
        assertThat(Poster.classify(301, null, "")).isInstanceOf(Outcome.Dead.class);
        assertThat(Poster.classify(400, null, " bad ")).isEqualTo(new Outcome.Dead(400, "http 400: bad"));
        assertThat(((Outcome.Retry) Poster.classify(429, "3", "")).delayMs()).hasValue(3_000);
        assertThat(((Outcome.Retry) Poster.classify(503, "3", "")).delayMs()).hasValue(3_000);
        assertThat(((Outcome.Retry) Poster.classify(500, "3", "")).delayMs()).as("only 429 and 503").isEmpty();
        assertThat(Poster.retryAfter("7").getAsLong()).isEqualTo(7_000);
        assertThat(Poster.retryAfter("99999999999").getAsLong()).isEqualTo(Poster.MAX_RETRY_AFTER_MS);
        assertThat(Poster.retryAfter("soon")).isEmpty();
        String date = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(30));
        assertThat(Poster.retryAfter(date).getAsLong()).isBetween(25_000L, 30_000L);
    }
}
