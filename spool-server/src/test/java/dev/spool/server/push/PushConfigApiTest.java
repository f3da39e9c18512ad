package dev.spool.server.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

import dev.spool.server.ServerConfig;

/** The push group routes: validation, the outbound allow list, conflicts with plain groups, metrics. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PushConfigApiTest {
    private PushFixture spool;
    private Endpoint endpoint;

    @AfterEach
    void stop() {
        if (spool != null) {
            spool.close();
        }
        if (endpoint != null) {
            endpoint.close();
        }
    }

    private static void assertInvalid(Http.Reply r, String field) {
        assertThat(r.status()).as(r.json().toString()).isEqualTo(400);
        assertThat(r.json().get("error").get("code").asText()).isEqualTo("invalid_argument");
        assertThat(r.json().get("error").get("field").asText()).isEqualTo(field);
    }

    @Test
    void shouldRefuseLoopbackAndPrivateTargetsUnlessTheAllowListNamesThem() {
        ServerConfig m = ServerConfig.ephemeralMemory();
        spool = PushFixture.start(m.withPush(PushSettings.DEFAULTS.withAllow(List.of("10.1.0.0/16"))));
        spool.createQueue("jobs", "{}");

        assertInvalid(spool.putPush("jobs", "h", "{\"url\": \"http://127.0.0.1:9/x\"}"), "url");
        assertInvalid(spool.putPush("jobs", "h", "{\"url\": \"http://localhost:9/x\"}"), "url");
        assertInvalid(spool.putPush("jobs", "h", "{\"url\": \"http://192.168.1.5/x\"}"), "url");
        assertInvalid(spool.putPush("jobs", "h", "{\"url\": \"http://169.254.169.254/latest\"}"), "url");
        assertInvalid(spool.putPush("jobs", "h", "{\"url\": \"http://[::1]:9/x\"}"), "url");
        assertInvalid(spool.putPush("jobs", "h", "{\"url\": \"http://10.2.0.1/x\"}"), "url");
        Http.Reply allowed = spool.putPush("jobs", "h", "{\"url\": \"http://10.1.2.3:9/x\"}");
        assertThat(allowed.status()).as(allowed.json().toString()).isEqualTo(200);
        assertThat(Http.send("GET", spool.url("/v1/queues/jobs/groups/h"), null).json().get("push").get("url").asText())
                .isEqualTo("http://10.1.2.3:9/x");
    }

    @Test
    void shouldCheckTheAllowListAgainAtConnectTime() {
        assertThat(PushTargets.of(List.of(), true).allows("example.org",
                java.net.InetAddress.getLoopbackAddress())).as("a public name that now resolves to loopback").isFalse();
        assertThat(PushTargets.of(List.of("example.org"), false).allows("example.org",
                java.net.InetAddress.getLoopbackAddress())).isTrue();
        assertThat(PushTargets.of(List.of("127.0.0.0/8"), false).allows("x", java.net.InetAddress.getLoopbackAddress()))
                .isTrue();
    }

    @Test
    void shouldNameTheFieldOfEveryBadConfigValue() {
        spool = PushFixture.start(PushFixture.config());
        spool.createQueue("jobs", "{}");
        String url = "\"url\": \"http://127.0.0.1:9/x\"";

        assertInvalid(spool.putPush("jobs", "h", "{}"), "url");
        assertInvalid(spool.putPush("jobs", "h", "{\"url\": \"ftp://127.0.0.1/x\"}"), "url");
        assertInvalid(spool.putPush("jobs", "h", "{\"url\": \"http://u:p@127.0.0.1/x\"}"), "url");
        assertInvalid(spool.putPush("jobs", "h", "{" + url + ", \"concurrency\": 0}"), "concurrency");
        assertInvalid(spool.putPush("jobs", "h", "{" + url + ", \"concurrency\": \"3\"}"), "concurrency");
        assertInvalid(spool.putPush("jobs", "h", "{" + url + ", \"timeout_ms\": 5}"), "timeout_ms");
        assertInvalid(spool.putPush("jobs", "h", "{" + url + ", \"rate_limit\": -1}"), "rate_limit");
        assertInvalid(spool.putPush("jobs", "h", "{" + url + ", \"start\": \"soon\"}"), "start");
        assertInvalid(spool.putPush("jobs", "h", "{" + url + ", \"headers\": {\"Host\": \"x\"}}"), "headers.Host");
        assertInvalid(spool.putPush("jobs", "h", "{" + url + ", \"headers\": {\"X-A\": 1}}"), "headers.X-A");
        assertInvalid(spool.putPush("jobs", "h", "{" + url + ", \"secrets\": [\"nope\"]}"), "secrets[0]");
        assertInvalid(spool.putPush("jobs", "h", "{" + url + ", \"secrets\": [\"whsec_AA==\", \"whsec_AA==\", "
                + "\"whsec_AA==\"]}"), "secrets");
        assertInvalid(spool.putPush("jobs", "h", "{" + url + ", \"extra\": 1}"), "extra");
        assertThat(spool.putPush("jobs", "bad%20name", "{" + url + "}").status()).isEqualTo(400);
        assertThat(spool.putPush("nope", "h", "{" + url + "}").status()).isEqualTo(404);
        assertThat(Http.send("GET", spool.url("/v1/queues/jobs/push/h"), null).status()).isEqualTo(404);
    }

    @Test
    void shouldKeepPushGroupsAndPlainGroupsApart() {
        spool = PushFixture.start(PushFixture.config());
        spool.createQueue("jobs", "{}");
        assertThat(Http.send("PUT", spool.url("/v1/queues/jobs/groups/plain"), "{}").status()).isEqualTo(200);
        String cfg = "{\"url\": \"http://127.0.0.1:9/x\"}";

        Http.Reply onPlain = spool.putPush("jobs", "plain", cfg);
        assertThat(spool.putPush("jobs", "hook", cfg).status()).isEqualTo(200);
        Http.Reply plainOnPush = Http.send("PUT", spool.url("/v1/queues/jobs/groups/hook"), "{}");
        Http.Reply pushField = Http.send("PUT", spool.url("/v1/queues/jobs/groups/g2"), "{\"push\": {}}");

        assertThat(onPlain.status()).isEqualTo(409);
        assertThat(onPlain.json().get("error").get("code").asText()).isEqualTo("conflict");
        assertThat(plainOnPush.status()).isEqualTo(409);
        assertInvalid(pushField, "push");
        assertThat(spool.getPush("jobs", "hook").get("config").get("url").asText()).isEqualTo("http://127.0.0.1:9/x");
        assertThat(Http.send("GET", spool.url("/v1/queues/jobs/push/plain"), null).status()).isEqualTo(404);
        JsonNode list = Http.send("GET", spool.url("/v1/queues/jobs/push"), null).json().get("push");
        assertThat(list).hasSize(1);
        assertThat(Http.send("DELETE", spool.url("/v1/queues/jobs/push/plain"), null).status()).isEqualTo(404);
        assertThat(Http.send("DELETE", spool.url("/v1/queues/jobs/push/hook"), null).status()).isEqualTo(204);
        assertThat(Http.send("GET", spool.url("/v1/queues/jobs/push/hook"), null).status()).isEqualTo(404);
    }

    @Test
    void shouldReplaceTheConfigAndPublishMetricsPerPushGroup() throws Exception {
        endpoint = new Endpoint(r -> Endpoint.Reply.status(r.header("X-Version") == null ? 500 : 200));
        spool = PushFixture.start(PushFixture.config());
        spool.createQueue("jobs", PushFixture.FAST_RETRY);
        assertThat(spool.putPush("jobs", "hook", "{\"url\": \"" + endpoint.url("/a") + "\"}").status()).isEqualTo(200);
        String id = spool.push("jobs", null, "x").get(0);
        await().atMost(Duration.ofSeconds(20)).until(() -> endpoint.requests.size() >= 1);

        Http.Reply changed = spool.putPush("jobs", "hook", "{\"url\": \"" + endpoint.url("/b")
                + "\", \"headers\": {\"X-Version\": \"2\"}, \"concurrency\": 4}");

        assertThat(changed.status()).isEqualTo(200);
        assertThat(changed.json().get("config").get("concurrency").asInt()).isEqualTo(4);
        await().atMost(Duration.ofSeconds(20)).until(
                () -> spool.message("jobs", id, "hook").get("state").asText().equals("acked"));
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(spool.url("/metrics")))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("spool_push_delivered_total{group=\"hook\",queue=\"jobs\"} 1.0")
                .contains("spool_push_retries_total{group=\"hook\",queue=\"jobs\"}")
                .contains("spool_push_latency_seconds_bucket{group=\"hook\",queue=\"jobs\"")
                .contains("spool_push_in_flight{group=\"hook\",queue=\"jobs\"} 0.0");
        assertThat(Http.send("GET", spool.url("/v1/queues/jobs"), null).json().get("groups").get(0).get("push")
                .get("headers").get("X-Version").asText()).isEqualTo("2");
    }

    @Test
    void shouldStopDeliveringAndLeaveTheQueueDeletedWhenItIsDeleted() throws Exception {
        endpoint = new Endpoint(r -> Endpoint.Reply.status(200));
        spool = PushFixture.start(PushFixture.config());
        spool.createQueue("jobs", "{}");
        assertThat(spool.putPush("jobs", "hook", "{\"url\": \"" + endpoint.url("/a") + "\"}").status()).isEqualTo(200);
        spool.push("jobs", null, "x");
        await().atMost(Duration.ofSeconds(20)).until(() -> endpoint.requests.size() == 1);

        assertThat(Http.send("DELETE", spool.url("/v1/queues/jobs"), null).status()).isEqualTo(204);

        // the worker's long poll (1 s) ends and several scans (200 ms) pass: the pop that follows an
        // empty one checks the group first, so delivery does not auto-create the queue again
        await().pollDelay(Duration.ofMillis(2_500)).atMost(Duration.ofSeconds(10)).until(() -> true);
        assertThat(Http.send("GET", spool.url("/v1/queues/jobs"), null).status()).isEqualTo(404);
        assertThat(endpoint.requests).hasSize(1);
    }
}
