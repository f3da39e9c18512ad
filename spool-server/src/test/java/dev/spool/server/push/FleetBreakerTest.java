package dev.spool.server.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.server.ServerConfig;

/**
 * Circuit breaking per fleet endpoint: a failing endpoint waits out its {@link Backoff} (or its
 * {@code Retry-After}) without a concurrency slot, so the others go on.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FleetBreakerTest {
    private PushFixture spool;
    private Endpoint failing;
    private Endpoint healthy;

    @BeforeEach
    void start() {
        spool = PushFixture.start(PushFixture.config());
    }

    @AfterEach
    void stop() {
        if (spool != null) {
            spool.close();
        }
        if (failing != null) {
            failing.close();
        }
        if (healthy != null) {
            healthy.close();
        }
    }

    private String create(ObjectNode body) {
        Http.Reply r = Http.send("POST", spool.url("/v1/fleets"), body.toString());
        assertThat(r.status()).as(r.json().toString()).isEqualTo(201);
        return r.json().get("id").asText();
    }

    private JsonNode get(String id) {
        Http.Reply r = Http.send("GET", spool.url("/v1/fleets/" + id), null);
        assertThat(r.status()).isEqualTo(200);
        return r.json();
    }

    private JsonNode endpoint(String id, int index) {
        Http.Reply r = Http.send("GET", spool.url("/v1/fleets/" + id + "/endpoints?offset=" + index + "&limit=1"),
                null);
        assertThat(r.status()).isEqualTo(200);
        return r.json().get("endpoints").get(0);
    }

    /** The endpoint's view at a moment it waits out a backoff, and when it was asked (epoch ms). */
    private record Waiting(JsonNode view, long askedAt) {
    }

    private Waiting waiting(String id, int index) {
        AtomicReference<Waiting> seen = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            long askedAt = System.currentTimeMillis();
            JsonNode v = endpoint(id, index);
            seen.set(new Waiting(v, askedAt));
            return v.get("state").asText().equals("retrying") && !v.get("next_attempt_at").isNull();
        });
        return seen.get();
    }

    private static List<Endpoint.Request> to(Endpoint e, String path) {
        return e.requests.stream().filter(r -> r.header("Spool-Test-Path").equals(path))
                .sorted((x, y) -> Integer.compare(x.seq(), y.seq())).toList();
    }

    private static long gapMs(List<Endpoint.Request> rs, int i) {
        return (rs.get(i + 1).atNanos() - rs.get(i).atNanos()) / 1_000_000;
    }

    @Test
    void shouldDeliverTheHealthyEndpointsPromptlyWhileOneKeepsFailing() throws Exception {
        failing = new Endpoint(r -> new Endpoint.Reply(500, "down", Map.of(), 0));
        healthy = new Endpoint(r -> new Endpoint.Reply(200, "", Map.of(), 150));
        ObjectNode body = Http.JSON.createObjectNode();
        ArrayNode urls = body.putArray("endpoints");
        // the failing endpoint comes first: it takes one of the two slots before any healthy one
        urls.add(failing.url("/broken"));
        for (int i = 0; i < 20; i++) {
            urls.add(healthy.url("/d/" + i));
        }
        body.put("payload", "fw").put("concurrency", 2).put("max_attempts", 1_000)
                .put("retry_initial_ms", 250).put("retry_max_ms", 10_000);
        long t0 = System.nanoTime();
        String id = create(body);

        await().atMost(Duration.ofSeconds(15)).until(() -> get(id).get("counts").get("delivered").asInt() == 20);
        long allHealthyMs = (System.nanoTime() - t0) / 1_000_000;

        assertThat(healthy.requests).hasSize(20);
        // two healthy requests at once: the failing endpoint held no slot while it waited
        assertThat(healthy.maxConcurrent.get()).isEqualTo(2);
        assertThat(allHealthyMs).as("20 x 150 ms over 2 slots").isLessThan(10_000);
        JsonNode progress = get(id);
        assertThat(progress.get("state").asText()).isEqualTo("running");
        assertThat(progress.get("counts").get("failed").asInt()).isZero();

        await().atMost(Duration.ofSeconds(20)).until(() -> to(failing, "/broken").size() >= 5);
        Waiting w = waiting(id, 0);
        JsonNode broken = w.view();
        int attempts = broken.get("attempts").asInt();
        assertThat(attempts).isGreaterThanOrEqualTo(5);
        assertThat(broken.get("next_attempt_at").asLong()).isGreaterThan(w.askedAt());
        assertThat(get(id).get("counts").get("delivered").asInt()).isEqualTo(20);
        assertThat(broken.get("last_status").asInt()).isEqualTo(500);
        assertThat(broken.get("last_error").asText()).isEqualTo("http 500: down");
        assertThat(endpoint(id, 1).get("next_attempt_at").isNull()).isTrue();
        List<Endpoint.Request> rs = to(failing, "/broken");
        // after failure k the wait is at least half of 250 ms * 2^(k-1)
        for (int k = 1; k <= 4; k++) {
            assertThat(gapMs(rs, k - 1)).as("wait after failure %d", k)
                    .isGreaterThanOrEqualTo((250L << (k - 1)) / 2 - 5);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> endpoint(id, 0).get("attempts").asInt() > attempts);
    }

    @Test
    void shouldWaitForRetryAfterOn429And503AndUseTheBackoffOtherwise() throws Exception {
        AtomicLong answered429 = new AtomicLong();
        Map<String, AtomicInteger> seen = Map.of("/d/0", new AtomicInteger(), "/d/1", new AtomicInteger(),
                "/d/2", new AtomicInteger());
        healthy = new Endpoint(r -> {
            String p = r.header("Spool-Test-Path");
            if (seen.get(p).incrementAndGet() > 1) {
                return Endpoint.Reply.status(200);
            }
            return switch (p) {
                case "/d/0" -> {
                    answered429.set(System.currentTimeMillis());
                    yield new Endpoint.Reply(429, "slow down", Map.of("Retry-After", "1"), 0);
                }
                case "/d/1" -> new Endpoint.Reply(503, "", Map.of("Retry-After", "1"), 0);
                // Retry-After means nothing on a 500: the fleet's 20 ms backoff applies
                default -> new Endpoint.Reply(500, "", Map.of("Retry-After", "5"), 0);
            };
        });
        ObjectNode body = Http.JSON.createObjectNode();
        ArrayNode urls = body.putArray("endpoints");
        for (int i = 0; i < 3; i++) {
            urls.add(healthy.url("/d/" + i));
        }
        body.put("payload", "x").put("retry_initial_ms", 20).put("retry_max_ms", 20);
        String id = create(body);

        JsonNode waiting = waiting(id, 0).view();
        assertThat(waiting.get("last_status").asInt()).isEqualTo(429);
        assertThat(waiting.get("next_attempt_at").asLong()).isGreaterThanOrEqualTo(answered429.get() + 1_000);
        await().atMost(Duration.ofSeconds(20)).until(() -> get(id).get("state").asText().equals("done"));

        assertThat(get(id).get("counts").get("delivered").asInt()).isEqualTo(3);
        assertThat(gapMs(to(healthy, "/d/0"), 0)).isGreaterThanOrEqualTo(995);
        assertThat(gapMs(to(healthy, "/d/1"), 0)).isGreaterThanOrEqualTo(995);
        assertThat(gapMs(to(healthy, "/d/2"), 0)).isLessThan(4_000);
        assertThat(endpoint(id, 0).get("next_attempt_at").isNull()).isTrue();
    }

    @Test
    void shouldDeliverAFlappingEndpointExactlyOnceAcknowledged() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger oks = new AtomicInteger();
        List<Integer> script = List.of(502, 200, 503, 200);
        // the first 200 comes after the request timed out: not an acknowledgement
        healthy = new Endpoint(r -> {
            if (!r.header("Spool-Test-Path").equals("/flap")) {
                return Endpoint.Reply.status(204);
            }
            int n = calls.getAndIncrement();
            if (n == 1) {
                return new Endpoint.Reply(200, "", Map.of(), 1_500);
            }
            int status = script.get(Math.min(n, script.size() - 1));
            if (status == 200) {
                oks.incrementAndGet();
            }
            return Endpoint.Reply.status(status);
        });
        ObjectNode body = Http.JSON.createObjectNode();
        ArrayNode urls = body.putArray("endpoints");
        urls.add(healthy.url("/flap"));
        for (int i = 0; i < 5; i++) {
            urls.add(healthy.url("/d/" + i));
        }
        body.put("payload", "x").put("timeout_ms", 500).put("retry_initial_ms", 20).put("retry_max_ms", 100);
        String id = create(body);

        await().atMost(Duration.ofSeconds(20)).until(() -> get(id).get("state").asText().equals("done"));

        assertThat(get(id).get("counts").get("delivered").asInt()).isEqualTo(6);
        JsonNode flap = endpoint(id, 0);
        assertThat(flap.get("state").asText()).isEqualTo("delivered");
        assertThat(flap.get("attempts").asInt()).isEqualTo(4);
        assertThat(flap.get("last_status").asInt()).isEqualTo(200);
        assertThat(oks.get()).as("answered 200 in time").isEqualTo(1);
        List<Endpoint.Request> rs = to(healthy, "/flap");
        assertThat(rs).extracting(r -> r.header("Spool-Attempt")).containsExactly("1", "2", "3", "4");
        assertThat(rs).extracting(r -> r.header("webhook-id")).containsOnly(rs.get(0).header("webhook-id"));
    }

    @Test
    void shouldRefuseABadBackoffWith400AndShowTheFleetsBackoff() throws Exception {
        healthy = new Endpoint(r -> Endpoint.Reply.status(200));
        String url = healthy.url("/d/0");
        List<String> bad = List.of("\"retry_initial_ms\": 0", "\"retry_initial_ms\": 9", "\"retry_max_ms\": 5",
                "\"retry_initial_ms\": 5000, \"retry_max_ms\": 4000", "\"retry_initial_ms\": \"1s\"",
                "\"retry_max_ms\": 86400001", "\"retry_initial_ms\": 1.5");
        for (String b : bad) {
            Http.Reply r = Http.send("POST", spool.url("/v1/fleets"),
                    "{\"endpoints\": [\"" + url + "\"], \"payload\": 1, " + b + "}");
            assertThat(r.status()).as(b).isEqualTo(400);
            assertThat(r.json().get("error").get("code").asText()).as(b).isEqualTo("invalid_argument");
            assertThat(r.json().get("error").get("field").asText()).as(b).startsWith("retry_");
        }
        ObjectNode body = Http.JSON.createObjectNode();
        body.putArray("endpoints").add(url);
        body.put("payload", 1);
        JsonNode defaults = get(create(body)).get("config");
        assertThat(defaults.get("retry_initial_ms").asLong()).isEqualTo(1_000);
        assertThat(defaults.get("retry_max_ms").asLong()).isEqualTo(300_000);
        body.put("retry_initial_ms", 400_000);
        JsonNode raised = get(create(body)).get("config");
        assertThat(raised.get("retry_max_ms").asLong()).as("max follows a larger initial").isEqualTo(400_000);
    }

    @Test
    void shouldKeepTheFleetsBackoffAcrossARestart(@TempDir Path dir) throws Exception {
        ServerConfig c = PushFixture.config().withShutdownTimeoutMs(5_000);
        ServerConfig journal = c.withStorage(c.storage().withStorage(ServerConfig.Storage.JOURNAL).withDataDir(dir));
        spool.close();
        spool = null;
        failing = new Endpoint(r -> Endpoint.Reply.status(503));
        ObjectNode body = Http.JSON.createObjectNode();
        body.putArray("endpoints").add(failing.url("/d/0"));
        body.put("payload", "x").put("max_attempts", 100).put("retry_initial_ms", 50).put("retry_max_ms", 700);
        spool = PushFixture.start(journal);
        String id = create(body);
        await().atMost(Duration.ofSeconds(20)).until(() -> failing.requests.size() >= 2);
        spool.close();
        spool = null;
        failing.answer(r -> Endpoint.Reply.status(200));

        spool = PushFixture.start(journal);

        JsonNode config = get(id).get("config");
        assertThat(config.get("retry_initial_ms").asLong()).isEqualTo(50);
        assertThat(config.get("retry_max_ms").asLong()).isEqualTo(700);
        // well inside the task lease (timeout_ms 10 s + 10 s): a task left leased by the stop would hold
        // the fleet for that long; one given back is ready again within the 700 ms backoff
        await().atMost(Duration.ofSeconds(12)).until(() -> get(id).get("state").asText().equals("done"));
        assertThat(get(id).get("counts").get("delivered").asInt()).isEqualTo(1);
    }

    @Test
    void shouldReadTheBackoffBackFromTheStoredSpecAndDefaultItForOlderFleets() {
        FleetSpec spec = new FleetSpec("0123456789abcdef", 3, 11, 12, 4, 1_000, 5, Map.of(), List.of(), 99, false,
                new Backoff(70, 900));
        assertThat(FleetSpec.parse(spec.toStored())).isEqualTo(spec);
        io.vertx.core.json.JsonObject older = new io.vertx.core.json.JsonObject(spec.toStored());
        older.remove("retry_initial_ms");
        older.remove("retry_max_ms");
        assertThat(FleetSpec.parse(older.encode()).backoff()).isEqualTo(new Backoff(1_000, 300_000));
    }
}
