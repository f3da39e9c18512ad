package dev.spool.server.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Fleet push: one payload to many endpoints, progress, per-endpoint state, cancel, endpoint sets. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FleetPushTest {
    private PushFixture spool;
    private Endpoint endpoint;

    @BeforeEach
    void start() {
        spool = PushFixture.start(PushFixture.config());
    }

    @AfterEach
    void stop() {
        spool.close();
        if (endpoint != null) {
            endpoint.close();
        }
    }

    private ArrayNode urls(int n) {
        ArrayNode a = Http.JSON.createArrayNode();
        for (int i = 0; i < n; i++) {
            a.add(endpoint.url("/d/" + i));
        }
        return a;
    }

    private JsonNode create(ObjectNode body) {
        Http.Reply r = Http.send("POST", spool.url("/v1/fleets"), body.toString());
        assertThat(r.status()).as(r.json().toString()).isEqualTo(201);
        return r.json();
    }

    private JsonNode get(String id) {
        Http.Reply r = Http.send("GET", spool.url("/v1/fleets/" + id), null);
        assertThat(r.status()).isEqualTo(200);
        return r.json();
    }

    private static String path(Endpoint.Request r) {
        return r.header("Spool-Test-Path");
    }

    @Test
    void shouldDeliverOnePayloadToEveryEndpointAndReportEachEndpointsState() throws Exception {
        AtomicInteger flaky = new AtomicInteger();
        Map<String, Integer> oks = new ConcurrentHashMap<>();
        endpoint = new Endpoint(r -> {
            String p = r.header("Spool-Test-Path");
            if (p.equals("/d/7")) {
                return new Endpoint.Reply(410, "device retired", Map.of(), 0);
            }
            if (p.equals("/d/3") && flaky.incrementAndGet() <= 2) {
                return Endpoint.Reply.status(503);
            }
            oks.merge(p, 1, Integer::sum);
            return Endpoint.Reply.status(200);
        });
        ObjectNode body = Http.JSON.createObjectNode();
        body.set("endpoints", urls(30));
        body.putObject("payload").put("firmware", "1.2.3");
        body.put("concurrency", 5).put("retry_initial_ms", 50).put("retry_max_ms", 100);
        body.putArray("secrets").add("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        JsonNode created = create(body);
        String id = created.get("id").asText();
        assertThat(created.get("counts").get("total").asInt()).isEqualTo(30);

        await().atMost(Duration.ofSeconds(30)).until(() -> get(id).get("state").asText().equals("done"));

        JsonNode done = get(id);
        assertThat(done.get("percent").asDouble()).isEqualTo(100.0);
        assertThat(done.get("counts").get("delivered").asInt()).isEqualTo(29);
        assertThat(done.get("counts").get("failed").asInt()).isEqualTo(1);
        assertThat(oks).hasSize(29).allSatisfy((p, n) -> assertThat(n).as(p).isEqualTo(1));
        String messageId = done.get("config").get("message_id").asText();
        assertThat(endpoint.requests).allSatisfy(r -> {
            assertThat(r.text()).isEqualTo("{\"firmware\":\"1.2.3\"}");
            assertThat(r.header("webhook-id")).isEqualTo(messageId);
            assertThat(r.header("Spool-Message-Id")).isEqualTo(messageId);
            assertThat(r.header("webhook-signature")).startsWith("v1,");
        });
        assertThat(endpoint.requests.stream().filter(r -> path(r).equals("/d/3")))
                .extracting(r -> r.header("Spool-Attempt")).containsExactly("1", "2", "3");

        Http.Reply page = Http.send("GET", spool.url("/v1/fleets/" + id + "/endpoints?offset=0&limit=10"), null);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.json().get("next_offset").asInt()).isEqualTo(10);
        JsonNode three = page.json().get("endpoints").get(3);
        assertThat(three.get("url").asText()).isEqualTo(endpoint.url("/d/3"));
        assertThat(three.get("state").asText()).isEqualTo("delivered");
        assertThat(three.get("attempts").asInt()).isEqualTo(3);
        assertThat(three.get("last_status").asInt()).isEqualTo(200);
        assertThat(three.get("latency_ms").asDouble()).isPositive();
        JsonNode seven = page.json().get("endpoints").get(7);
        assertThat(seven.get("state").asText()).isEqualTo("failed");
        assertThat(seven.get("last_status").asInt()).isEqualTo(410);
        assertThat(seven.get("last_error").asText()).isEqualTo("http 410: device retired");
        JsonNode last = Http.send("GET", spool.url("/v1/fleets/" + id + "/endpoints?offset=25&limit=10"), null).json();
        assertThat(last.get("endpoints")).hasSize(5);
        assertThat(last.has("next_offset")).isFalse();

        String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(spool.url("/metrics"))).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("spool_push_delivered_total{group=\"fleet\",queue=\"spool.fleet." + id
                + "\"} 29.0");
        JsonNode list = Http.send("GET", spool.url("/v1/fleets"), null).json();
        assertThat(list.get("fleets").get(0).get("id").asText()).isEqualTo(id);
    }

    @Test
    void shouldKeepInFlightUnderTheFleetsConcurrencyCap() throws Exception {
        endpoint = new Endpoint(r -> new Endpoint.Reply(200, "", Map.of(), 100));
        ObjectNode body = Http.JSON.createObjectNode();
        body.set("endpoints", urls(20));
        body.put("payload_base64", "AAEC").put("content_type", "application/octet-stream").put("concurrency", 3);
        String id = create(body).get("id").asText();

        await().atMost(Duration.ofSeconds(30)).until(() -> get(id).get("state").asText().equals("done"));

        assertThat(endpoint.requests).hasSize(20);
        assertThat(endpoint.maxConcurrent.get()).isBetween(2, 3);
        assertThat(endpoint.requests.get(0).body()).containsExactly(0, 1, 2);
    }

    @Test
    void shouldStopStartingAttemptsWhenCanceled() throws Exception {
        endpoint = new Endpoint(r -> new Endpoint.Reply(200, "", Map.of(), 200));
        ObjectNode body = Http.JSON.createObjectNode();
        body.set("endpoints", urls(40));
        body.put("payload", "go").put("concurrency", 2);
        String id = create(body).get("id").asText();
        await().atMost(Duration.ofSeconds(20)).until(() -> endpoint.requests.size() >= 2);

        Http.Reply canceled = Http.send("POST", spool.url("/v1/fleets/" + id + "/cancel"), null);

        assertThat(canceled.status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> get(id).get("counts").get("in_flight").asInt() == 0);
        JsonNode after = get(id);
        assertThat(after.get("state").asText()).isEqualTo("canceled");
        int delivered = after.get("counts").get("delivered").asInt();
        assertThat(after.get("counts").get("canceled").asInt()).isEqualTo(40 - delivered).isPositive();
        assertThat(endpoint.requests).hasSize(delivered);
        JsonNode lastPage = Http.send("GET", spool.url("/v1/fleets/" + id + "/endpoints?offset=39&limit=1"), null)
                .json();
        assertThat(lastPage.get("endpoints").get(0).get("state").asText()).isEqualTo("canceled");
        assertThat(Http.send("DELETE", spool.url("/v1/fleets/" + id), null).status()).isEqualTo(204);
        assertThat(Http.send("GET", spool.url("/v1/fleets/" + id), null).status()).isEqualTo(404);
    }

    @Test
    void shouldDeliverToAStoredEndpointSetAndEditIt() throws Exception {
        endpoint = new Endpoint(r -> Endpoint.Reply.status(204));
        ObjectNode set = Http.JSON.createObjectNode();
        set.set("endpoints", urls(5));
        Http.Reply put = Http.send("PUT", spool.url("/v1/fleet-sets/devices"), set.toString());
        assertThat(put.status()).as(put.json().toString()).isEqualTo(200);
        set.set("endpoints", urls(8));
        assertThat(Http.send("PUT", spool.url("/v1/fleet-sets/devices"), set.toString()).json().get("count").asInt())
                .isEqualTo(8);
        assertThat(Http.send("GET", spool.url("/v1/fleet-sets/devices"), null).json().get("endpoints")).hasSize(8);
        assertThat(Http.send("GET", spool.url("/v1/fleet-sets"), null).json().get("endpoint_sets").get(0)
                .get("name").asText()).isEqualTo("devices");

        ObjectNode body = Http.JSON.createObjectNode().put("endpoint_set", "devices").put("payload", "x");
        String id = create(body).get("id").asText();

        await().atMost(Duration.ofSeconds(20)).until(() -> get(id).get("state").asText().equals("done"));
        assertThat(endpoint.requests).extracting(FleetPushTest::path).containsExactlyInAnyOrder("/d/0", "/d/1",
                "/d/2", "/d/3", "/d/4", "/d/5", "/d/6", "/d/7");
        assertThat(Http.send("DELETE", spool.url("/v1/fleet-sets/devices"), null).status()).isEqualTo(204);
        assertThat(Http.send("GET", spool.url("/v1/fleet-sets/devices"), null).status()).isEqualTo(404);
    }

    @Test
    void shouldRefuseBadRequestsWith4xx() throws Exception {
        endpoint = new Endpoint(r -> Endpoint.Reply.status(200));
        List<String> bad = List.of("{}", "{\"endpoints\": [], \"payload\": 1}",
                "{\"endpoints\": [\"ftp://x\"], \"payload\": 1}", "{\"endpoints\": [\"http://a\"]}",
                "{\"endpoints\": [\"http://a\"], \"endpoint_set\": \"s\", \"payload\": 1}",
                "{\"endpoints\": [\"http://a\"], \"payload\": 1, \"concurrency\": 0}",
                "{\"endpoints\": [\"http://a\"], \"payload\": 1, \"bogus\": 1}",
                "{\"endpoints\": [\"http://a\"], \"payload_base64\": \"%%\"}", "[1]");
        for (String b : bad) {
            Http.Reply r = Http.send("POST", spool.url("/v1/fleets"), b);
            assertThat(r.status()).as(b).isEqualTo(400);
            assertThat(r.json().get("error").get("code").asText()).as(b).isEqualTo("invalid_argument");
        }
        assertThat(Http.send("POST", spool.url("/v1/fleets"), "{\"endpoint_set\": \"nope\", \"payload\": 1}")
                .status()).isEqualTo(404);
        assertThat(Http.send("GET", spool.url("/v1/fleets/0123456789abcdef"), null).status()).isEqualTo(404);
        assertThat(Http.send("GET", spool.url("/v1/fleets/..%2F"), null).status()).isEqualTo(404);
        assertThat(Http.send("GET", spool.url("/v1/fleets/0123456789abcdef/endpoints?limit=0"), null).status())
                .isEqualTo(400);
        assertThat(Http.send("PUT", spool.url("/v1/fleet-sets/s"), "{\"endpoints\": \"x\"}").status())
                .isEqualTo(400);
    }
}
