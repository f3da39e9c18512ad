package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Lock frames on {@code /v1/stream} (acquire, keepalive, release, refusals as error frames; a
 * socket that closes takes its waiting acquires out of the line) and the lock metrics: counters
 * per server and gauges of holders and waiters, without a lock label.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LockStreamTest {

    @Test
    void shouldAcquireKeepAliveAndReleaseOverTheStream() throws Exception {
        try (ApiClient api = ApiClient.start(); StreamApiTest.Socket ws = new StreamApiTest.Socket(api.base)) {
            ws.send("{\"op\":\"acquire\",\"req\":1,\"lock\":\"s1\",\"owner\":\"ws\",\"ttl_ms\":10000}");
            JsonNode lease = ws.next();
            assertThat(lease.path("op").asText()).as(lease.toString()).isEqualTo("ok");
            assertThat(lease.path("req").asInt()).isEqualTo(1);
            assertThat(lease.path("token").asLong()).isPositive();
            String fence = "\"lease_id\":\"" + lease.path("lease_id").asText() + "\",\"token\":"
                    + lease.path("token").asLong();

            ws.send("{\"op\":\"acquire\",\"req\":2,\"lock\":\"s1\",\"owner\":\"other\",\"ttl_ms\":1000}");
            JsonNode held = ws.next();
            assertThat(held.path("op").asText()).isEqualTo("error");
            assertThat(held.path("error").path("code").asText()).isEqualTo("lock_held");

            ws.send("{\"op\":\"keepalive\",\"req\":3,\"lock\":\"s1\"," + fence + ",\"ttl_ms\":60000}");
            JsonNode kept = ws.next();
            assertThat(kept.path("expires_at").asLong()).isGreaterThan(lease.path("expires_at").asLong());

            ws.send("{\"op\":\"release\",\"req\":4,\"lock\":\"s1\"," + fence + "}");
            assertThat(ws.next().path("op").asText()).isEqualTo("ok");
            ws.send("{\"op\":\"release\",\"req\":5,\"lock\":\"s1\"," + fence + "}");
            assertThat(ws.next().path("error").path("code").asText()).isEqualTo("stale_lease");
            assertThat(api.get("/v1/locks/s1").json().path("holder").isNull()).isTrue();

            ws.send("{\"op\":\"acquire\",\"req\":6,\"lock\":\"bad name\",\"owner\":\"ws\",\"ttl_ms\":1000}");
            JsonNode bad = ws.next();
            assertThat(bad.path("error").path("field").asText()).isEqualTo("lock");
        }
    }

    @Test
    void shouldRunALockCycleInOneTxFrame() throws Exception {
        try (ApiClient api = ApiClient.start(); StreamApiTest.Socket ws = new StreamApiTest.Socket(api.base)) {
            String cycle = "{\"op\":\"tx\",\"req\":\"c1\",\"ops\":[{\"op\":\"acquire\",\"lock\":\"s3\","
                    + "\"owner\":\"ws\",\"ttl_ms\":10000},{\"op\":\"lock_state\",\"lock\":\"s3\",\"payload\":[1,2]},"
                    + "{\"op\":\"release\",\"lock\":\"s3\"}]}";

            ws.send(cycle);
            JsonNode ok = ws.next();

            assertThat(ok.path("op").asText()).as(ok.toString()).isEqualTo("ok");
            assertThat(ok.path("req").asText()).isEqualTo("c1");
            assertThat(ok.path("results").findValuesAsText("op")).containsExactly("acquire", "lock_state", "release");
            long token = ok.path("results").get(0).path("token").asLong();
            assertThat(token).isPositive();
            assertThat(api.get("/v1/locks/s3/state").text()).isEqualTo("[1,2]");
            assertThat(api.get("/v1/locks/s3").json().path("holder").isNull()).isTrue();

            JsonNode held = LockApiTest.acquire(api, "s3", "holder", 60_000, 0);
            ws.send(cycle);
            JsonNode refused = ws.next();
            assertThat(refused.path("error").path("code").asText()).isEqualTo("lock_held");
            assertThat(refused.path("error").path("field").asText()).isEqualTo("ops[0]");
            assertThat(held.path("token").asLong()).isGreaterThan(token);
            ws.send("{\"op\":\"tx\",\"req\":2,\"ops\":[{\"op\":\"release\",\"lock\":\"s3\"}]}");
            assertThat(ws.next().path("error").path("field").asText()).isEqualTo("ops[0].lease_id");
            ws.send("{\"op\":\"tx\",\"req\":3,\"ops\":[],\"extra\":1}");
            assertThat(ws.next().path("error").path("code").asText()).isEqualTo("invalid_argument");
            ws.send("{\"op\":\"tx\",\"req\":4}");
            assertThat(ws.next().path("error").path("field").asText()).isEqualTo("ops");
            assertThat(api.get("/v1/locks/s3").json().path("holder").path("token").asLong())
                    .isEqualTo(held.path("token").asLong());
        }
    }

    @Test
    void shouldWithdrawWaitingAcquireWhenSocketCloses() throws Exception {
        try (ApiClient api = ApiClient.start()) {
            JsonNode a = LockApiTest.acquire(api, "s2", "holder", 60_000, 0);
            try (StreamApiTest.Socket ws = new StreamApiTest.Socket(api.base)) {
                ws.send("{\"op\":\"acquire\",\"req\":1,\"lock\":\"s2\",\"owner\":\"ws\",\"ttl_ms\":60000,"
                        + "\"wait_ms\":30000}");
                awaitWaiters(api, "s2", 1);
            }
            awaitWaiters(api, "s2", 0);
            api.post("/v1/locks/s2/release", "{\"lease_id\":\"" + a.path("lease_id").asText() + "\",\"token\":"
                    + a.path("token").asLong() + "}");
            assertThat(api.get("/v1/locks/s2").json().path("holder").isNull()).isTrue();
        }
    }

    @Test
    void shouldCountAcquisitionsRefusalsHoldersAndWaiters() throws Exception {
        try (ApiClient api = ApiClient.start()) {
            JsonNode a = LockApiTest.acquire(api, "m1", "alice", 60_000, 0);
            LockApiTest.acquire(api, "m2", "alice", 60_000, 0);
            JsonNode c = LockApiTest.acquire(api, "m3", "alice", 60_000, 0);
            api.post("/v1/locks/m3/release", "{\"lease_id\":\"" + c.path("lease_id").asText() + "\",\"token\":"
                    + c.path("token").asLong() + "}");
            api.post("/v1/locks/m1/acquire", "{\"owner\":\"bob\",\"ttl_ms\":1000}");
            api.post("/v1/locks/m1/release", "{\"lease_id\":\"nope\",\"token\":" + a.path("token").asLong() + "}");
            var waiter = api.sendAsync(api.request("/v1/locks/m1/acquire").header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                            "{\"owner\":\"w\",\"ttl_ms\":1000,\"wait_ms\":30000}")).build());
            awaitWaiters(api, "m1", 1);

            MetricsTest.Scrape s = new MetricsTest.Scrape(api.get("/metrics").text());
            assertThat(s.value("spool_locks_acquired_total")).isEqualTo(3);
            assertThat(s.value("spool_locks_released_total")).isEqualTo(1);
            assertThat(s.value("spool_locks_refused_total", "reason=\"held\"")).isEqualTo(1);
            assertThat(s.value("spool_locks_refused_total", "reason=\"stale\"")).isEqualTo(1);
            assertThat(s.value("spool_locks")).isEqualTo(3);
            assertThat(s.value("spool_locks_holders")).isEqualTo(2);
            assertThat(s.value("spool_locks_waiters")).isEqualTo(1);
            assertThat(s.text()).doesNotContain("lock=\"m1\"");
            waiter.cancel(true);

            LockApiTest.acquire(api, "m4", "alice", 50, 0);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() ->
                    new MetricsTest.Scrape(api.get("/metrics").text()).value("spool_locks_expired_total") >= 1);
        }
    }

    private static void awaitWaiters(ApiClient api, String lock, int n) {
        Awaitility.await().atMost(10, TimeUnit.SECONDS).pollInterval(10, TimeUnit.MILLISECONDS)
                .until(() -> api.get("/v1/locks/" + lock).json().path("waiters").asInt() == n);
    }
}
