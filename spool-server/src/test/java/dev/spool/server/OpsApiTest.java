package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Health, readiness, metrics, unknown routes and wrong methods. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OpsApiTest {
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
    void shouldAnswerHealthAndReadiness() {
        assertThat(api.get("/healthz").json().path("status").asText()).isEqualTo("ok");
        ApiClient.Resp ready = api.get("/readyz");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.json().path("ready").asBoolean()).isTrue();
    }

    @Test
    void shouldExposePrometheusMetrics() {
        api.pushJson("metered", "1");
        api.pop("metered", 1);
        ApiClient.Resp r = api.get("/metrics");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/plain");
        String text = r.text();
        assertThat(text).contains("spool_messages_pushed_total{queue=\"metered\"} 1.0");
        assertThat(text).contains("spool_messages_popped_total{queue=\"metered\"} 1.0");
        assertThat(text).contains("spool_queue_in_flight{group=\"default\",queue=\"metered\"} 1.0");
        assertThat(text).contains("spool_http_requests_seconds_bucket{method=\"POST\",route=\"/v1/queues/:q/pop\"");
        assertThat(text).contains("spool_http_connections");
    }

    @Test
    void shouldServeHttp2Cleartext() throws Exception {
        java.net.http.HttpClient h2 = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_2).build();
        java.net.http.HttpResponse<String> first = h2.send(api.request("/healthz").GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        java.net.http.HttpResponse<String> r = h2.send(api.request("/v1/queues/h2/messages")
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"messages\":[{\"payload\":1}]}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(r.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_2);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"ids\"");
    }

    @Test
    void shouldAnswerJsonNotFoundForUnknownRoute() {
        ApiClient.Resp r = api.get("/v2/nothing");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.errorCode()).isEqualTo("not_found");
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
    }

    @Test
    void shouldAnswerJsonMethodNotAllowedForWrongMethod() {
        ApiClient.Resp r = api.send("PATCH", "/v1/queues/x", null);
        assertThat(r.status()).isEqualTo(405);
        assertThat(r.errorCode()).isEqualTo("method_not_allowed");
        assertThat(r.header("Allow")).isEqualTo("DELETE, GET, PUT");
    }

    @Test
    void shouldAnswerEveryLockRouteWithItsOwnErrorWhenTheBodyIsEmpty() {
        String[][] routes = {{"POST", "/v1/locks/l1/acquire", "400", "owner"},
            {"POST", "/v1/locks/l1/keepalive", "400", "lease_id"}, {"POST", "/v1/locks/l1/release", "400", "lease_id"},
            {"GET", "/v1/locks/l1", "404", ""}, {"GET", "/v1/locks/l1/state", "404", ""},
            {"PUT", "/v1/locks/l1/state", "400", "lease_id"}, {"DELETE", "/v1/locks/l1/state", "400", "lease_id"}};
        for (String[] route : routes) {
            ApiClient.Resp r = api.send(route[0], route[1], "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    "Content-Type", "application/json");
            assertThat(r.status()).as(route[0] + " " + route[1] + ": " + r).isEqualTo(Integer.parseInt(route[2]));
            assertThat(r.json().path("error").path("field").asText()).isEqualTo(route[3]);
        }
    }

    @Test
    void shouldRefuseStreamWithoutUpgrade() {
        ApiClient.Resp r = api.get("/v1/stream");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorCode()).isEqualTo("bad_request");
    }
}
