package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lock routes over a real socket against the embedded broker: acquire, the {@code lock_held}
 * refusal naming the holder, hand-off to a waiter, keepalive, release, stale fences, the public
 * view (never the lease id), the list, the state document (raw bytes, versions, ETag and
 * {@code If-Match}), and a waiting acquire whose connection closes leaving the line.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LockApiTest {
    private static ApiClient api;

    @BeforeAll
    static void start() {
        api = ApiClient.start();
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    static JsonNode acquire(ApiClient c, String lock, String owner, long ttlMs, long waitMs) {
        ApiClient.Resp r = c.post("/v1/locks/" + lock + "/acquire",
                "{\"owner\":\"" + owner + "\",\"ttl_ms\":" + ttlMs + ",\"wait_ms\":" + waitMs + "}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    private static String fence(JsonNode lease) {
        return "\"lease_id\":\"" + lease.path("lease_id").asText() + "\",\"token\":" + lease.path("token").asLong();
    }

    @Test
    void shouldGrantRefuseNamingHolderAndHideLeaseIdWhenHeld() {
        JsonNode a = acquire(api, "held", "alice", 60_000, 0);
        assertThat(a.path("lease_id").asText()).isNotEmpty();
        assertThat(a.path("token").asLong()).isPositive();
        assertThat(a.path("owner").asText()).isEqualTo("alice");
        assertThat(a.path("expires_at").asLong()).isGreaterThan(System.currentTimeMillis());

        ApiClient.Resp held = api.post("/v1/locks/held/acquire", "{\"owner\":\"bob\",\"ttl_ms\":1000}");
        assertThat(held.status()).isEqualTo(409);
        JsonNode err = held.json().path("error");
        assertThat(err.path("code").asText()).isEqualTo("lock_held");
        assertThat(err.path("message").asText()).contains("alice").contains(a.path("expires_at").asText());
        assertThat(err.path("holder").path("owner").asText()).isEqualTo("alice");
        assertThat(err.path("holder").path("expires_at").asLong()).isEqualTo(a.path("expires_at").asLong());

        ApiClient.Resp view = api.get("/v1/locks/held");
        assertThat(view.status()).isEqualTo(200);
        assertThat(view.text()).doesNotContain(a.path("lease_id").asText()).doesNotContain("lease_id");
        JsonNode holder = view.json().path("holder");
        assertThat(holder.path("owner").asText()).isEqualTo("alice");
        assertThat(holder.path("token").asLong()).isEqualTo(a.path("token").asLong());
        assertThat(holder.path("acquired_at").asLong()).isPositive();
        assertThat(view.json().path("last_token").asLong()).isEqualTo(a.path("token").asLong());
        assertThat(view.json().path("waiters").asInt()).isZero();
        assertThat(view.json().path("state").isNull()).isTrue();
    }

    @Test
    void shouldKeepAliveReleaseAndRefuseStaleFences() {
        JsonNode a = acquire(api, "cycle", "alice", 10_000, 0);
        ApiClient.Resp kept = api.post("/v1/locks/cycle/keepalive", "{" + fence(a) + ",\"ttl_ms\":60000}");
        assertThat(kept.status()).as(kept.toString()).isEqualTo(200);
        assertThat(kept.json().path("expires_at").asLong()).isGreaterThan(a.path("expires_at").asLong());
        assertThat(kept.json().path("token").asLong()).isEqualTo(a.path("token").asLong());

        String stale = "{\"lease_id\":\"" + a.path("lease_id").asText() + "\",\"token\":"
                + (a.path("token").asLong() + 1) + "}";
        ApiClient.Resp refused = api.post("/v1/locks/cycle/release", stale);
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().path("error").path("code").asText()).isEqualTo("stale_lease");
        assertThat(api.get("/v1/locks/cycle").json().path("holder").path("owner").asText()).isEqualTo("alice");

        assertThat(api.post("/v1/locks/cycle/release", "{" + fence(a) + "}").status()).isEqualTo(204);
        assertThat(api.get("/v1/locks/cycle").json().path("holder").isNull()).isTrue();
        ApiClient.Resp again = api.post("/v1/locks/cycle/release", "{" + fence(a) + "}");
        assertThat(again.json().path("error").path("code").asText()).isEqualTo("stale_lease");
        JsonNode b = acquire(api, "cycle", "bob", 1_000, 0);
        assertThat(b.path("token").asLong()).isGreaterThan(a.path("token").asLong());
    }

    @Test
    void shouldHandLockToWaiterWhenReleased() throws Exception {
        JsonNode a = acquire(api, "handoff", "alice", 60_000, 0);
        CompletableFuture<ApiClient.Resp> waiter = api.sendAsync(api.request("/v1/locks/handoff/acquire")
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"owner\":\"bob\",\"ttl_ms\":60000,\"wait_ms\":30000}")).build());
        awaitWaiters("handoff", 1);
        assertThat(waiter).isNotDone();

        assertThat(api.post("/v1/locks/handoff/release", "{" + fence(a) + "}").status()).isEqualTo(204);

        ApiClient.Resp granted = waiter.get(10, TimeUnit.SECONDS);
        assertThat(granted.status()).isEqualTo(200);
        assertThat(granted.json().path("owner").asText()).isEqualTo("bob");
        assertThat(granted.json().path("token").asLong()).isGreaterThan(a.path("token").asLong());
    }

    @Test
    void shouldWithdrawWaiterWhenItsConnectionCloses() throws Exception {
        JsonNode a = acquire(api, "gone", "alice", 60_000, 0);
        String body = "{\"owner\":\"quitter\",\"ttl_ms\":60000,\"wait_ms\":30000}";
        try (Socket s = new Socket("127.0.0.1", api.server.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/locks/gone/acquire HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            awaitWaiters("gone", 1);
        }
        awaitWaiters("gone", 0);

        assertThat(api.post("/v1/locks/gone/release", "{" + fence(a) + "}").status()).isEqualTo(204);
        JsonNode view = api.get("/v1/locks/gone").json();
        assertThat(view.path("holder").isNull()).as(view.toString()).isTrue();
        assertThat(acquire(api, "gone", "next", 1_000, 0).path("owner").asText()).isEqualTo("next");
    }

    @Test
    void shouldAnswerLockHeldWhenWaitEnds() {
        acquire(api, "timeout", "alice", 60_000, 0);
        long start = System.nanoTime();
        ApiClient.Resp r = api.post("/v1/locks/timeout/acquire", "{\"owner\":\"bob\",\"ttl_ms\":1000,\"wait_ms\":200}");
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.json().path("error").path("code").asText()).isEqualTo("lock_held");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(180);
        assertThat(api.get("/v1/locks/timeout").json().path("waiters").asInt()).isZero();
    }

    @Test
    void shouldWriteReadAndCompareAndSetState() {
        JsonNode a = acquire(api, "doc", "writer", 60_000, 0);
        String id = a.path("lease_id").asText();
        String token = a.path("token").asText();
        assertThat(api.get("/v1/locks/doc/state").status()).isEqualTo(404);

        ApiClient.Resp w1 = api.send("PUT", "/v1/locks/doc/state", "{\"n\":1}".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json", "Spool-Lease-Id", id, "Spool-Lock-Token", token,
                "If-Match", "\"0\"");
        assertThat(w1.status()).as(w1.toString()).isEqualTo(200);
        assertThat(w1.json().path("version").asLong()).isEqualTo(1);
        assertThat(w1.json().path("size").asLong()).isEqualTo(7);
        assertThat(w1.json().path("token").asLong()).isEqualTo(a.path("token").asLong());

        ApiClient.Resp r1 = api.get("/v1/locks/doc/state");
        assertThat(r1.status()).isEqualTo(200);
        assertThat(r1.text()).isEqualTo("{\"n\":1}");
        assertThat(r1.header("Content-Type")).isEqualTo("application/json");
        assertThat(r1.header("Spool-Lock-Version")).isEqualTo("1");
        assertThat(r1.header("ETag")).isEqualTo("\"1\"");
        assertThat(api.send("GET", "/v1/locks/doc/state", null, "If-None-Match", "\"1\"").status()).isEqualTo(304);

        ApiClient.Resp w2 = api.send("PUT", "/v1/locks/doc/state", "two".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "text/plain", "Spool-Lease-Id", id, "Spool-Lock-Token", token,
                "Spool-If-Version", "1");
        assertThat(w2.json().path("version").asLong()).isEqualTo(2);
        ApiClient.Resp mismatch = api.send("PUT", "/v1/locks/doc/state", "three".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "text/plain", "Spool-Lease-Id", id, "Spool-Lock-Token", token, "If-Match", "\"1\"");
        assertThat(mismatch.status()).isEqualTo(409);
        assertThat(mismatch.json().path("error").path("code").asText()).isEqualTo("version_mismatch");
        ApiClient.Resp stale = api.send("PUT", "/v1/locks/doc/state", "four".getBytes(StandardCharsets.UTF_8),
                "Spool-Lease-Id", id, "Spool-Lock-Token", Long.toString(a.path("token").asLong() + 1));
        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.json().path("error").path("code").asText()).isEqualTo("stale_lease");
        ApiClient.Resp r2 = api.get("/v1/locks/doc/state");
        assertThat(r2.text()).isEqualTo("two");
        assertThat(r2.header("Content-Type")).isEqualTo("text/plain");
        assertThat(api.get("/v1/locks/doc").json().path("state").path("version").asLong()).isEqualTo(2);

        assertThat(api.send("DELETE", "/v1/locks/doc/state", null, "Spool-Lease-Id", id, "Spool-Lock-Token", token,
                "If-Match", "\"1\"").status()).isEqualTo(409);
        assertThat(api.send("DELETE", "/v1/locks/doc/state", null, "Spool-Lease-Id", id, "Spool-Lock-Token", token)
                .status()).isEqualTo(204);
        assertThat(api.get("/v1/locks/doc/state").status()).isEqualTo(404);
    }

    @Test
    void shouldListLocksByPrefixWithPaging() {
        for (String s : new String[] {"c", "a", "b"}) {
            acquire(api, "list." + s, "o-" + s, 60_000, 0);
        }
        acquire(api, "listx", "other", 60_000, 0);
        JsonNode p1 = api.get("/v1/locks?prefix=list.&limit=2").json();
        assertThat(p1.path("locks").findValuesAsText("name")).containsExactly("list.a", "list.b");
        assertThat(p1.path("next_after").asText()).isEqualTo("list.b");
        assertThat(p1.path("locks").get(0).path("holder").path("owner").asText()).isEqualTo("o-a");
        assertThat(p1.toString()).doesNotContain("lease_id");
        JsonNode p2 = api.get("/v1/locks?prefix=list.&limit=2&after=list.b").json();
        assertThat(p2.path("locks").findValuesAsText("name")).containsExactly("list.c");
        assertThat(p2.has("next_after")).isFalse();
    }

    @Test
    void shouldApplyLockOpsInTransactionAllOrNothing() {
        api.put("/v1/queues/txlock", "{}");
        JsonNode a = acquire(api, "txlock", "worker", 60_000, 0);
        String staleRelease = "{\"op\":\"release\",\"lock\":\"txlock\",\"lease_id\":\"" + a.path("lease_id").asText()
                + "\",\"token\":" + (a.path("token").asLong() + 1) + "}";
        ApiClient.Resp refused = api.post("/v1/tx", "{\"ops\":[{\"op\":\"push\",\"queue\":\"txlock\",\"messages\":"
                + "[{\"payload\":1}]},{\"op\":\"lock_state\",\"lock\":\"txlock\"," + fence(a)
                + ",\"payload\":{\"step\":1}}," + staleRelease + "]}");
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().path("error").path("op_index").asInt()).isEqualTo(2);
        assertThat(api.get("/v1/locks/txlock/state").status()).isEqualTo(404);
        assertThat(api.pop("txlock", 10)).isEmpty();

        ApiClient.Resp ok = api.post("/v1/tx", "{\"ops\":[{\"op\":\"push\",\"queue\":\"txlock\",\"messages\":"
                + "[{\"payload\":1}]},{\"op\":\"lock_state\",\"lock\":\"txlock\"," + fence(a)
                + ",\"if_version\":0,\"payload\":{\"step\":1}},{\"op\":\"release\",\"lock\":\"txlock\"," + fence(a) + "}]}");
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        assertThat(ok.json().path("results").findValuesAsText("op")).containsExactly("push", "lock_state", "release");
        ApiClient.Resp state = api.get("/v1/locks/txlock/state");
        assertThat(state.text()).isEqualTo("{\"step\":1}");
        assertThat(state.header("Content-Type")).isEqualTo("application/json");
        assertThat(api.get("/v1/locks/txlock").json().path("holder").isNull()).isTrue();
        assertThat(api.pop("txlock", 10)).hasSize(1);
    }

    @Test
    void shouldAcquireWriteAndReleaseInOneTransactionRequest() {
        String cycle = "{\"ops\":[{\"op\":\"acquire\",\"lock\":\"onereq\",\"owner\":\"w1\",\"ttl_ms\":60000},"
                + "{\"op\":\"lock_state\",\"lock\":\"onereq\",\"payload\":{\"step\":3}},"
                + "{\"op\":\"release\",\"lock\":\"onereq\"}]}";

        ApiClient.Resp ok = api.post("/v1/tx", cycle);

        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        JsonNode results = ok.json().path("results");
        assertThat(results.findValuesAsText("op")).containsExactly("acquire", "lock_state", "release");
        JsonNode lease = results.get(0);
        assertThat(lease.path("name").asText()).isEqualTo("onereq");
        assertThat(lease.path("owner").asText()).isEqualTo("w1");
        assertThat(lease.path("lease_id").asText()).isNotEmpty();
        assertThat(lease.path("expires_at").asLong()).isPositive();
        long token = lease.path("token").asLong();
        assertThat(token).isPositive();
        ApiClient.Resp state = api.get("/v1/locks/onereq/state");
        assertThat(state.text()).isEqualTo("{\"step\":3}");
        assertThat(state.header("Spool-Lock-Writer-Token")).isEqualTo(Long.toString(token));
        assertThat(api.get("/v1/locks/onereq").json().path("holder").isNull()).isTrue();

        JsonNode held = acquire(api, "onereq", "holder", 60_000, 0);
        ApiClient.Resp refused = api.post("/v1/tx", cycle);
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().path("error").path("code").asText()).isEqualTo("lock_held");
        assertThat(refused.json().path("error").path("op_index").asInt()).isZero();
        assertThat(held.path("token").asLong()).isGreaterThan(token);
        assertThat(api.get("/v1/locks/onereq/state").text()).isEqualTo("{\"step\":3}");
    }

    @Test
    void shouldStreamLargeStateThroughASpoolFileWhenJournal(@TempDir Path dir) throws Exception {
        ServerConfig d = ServerConfig.ephemeralMemory();
        ServerConfig.StorageConfig st = d.storage().withStorage(ServerConfig.Storage.JOURNAL).withDataDir(dir);
        int size = Integer.getInteger("spool.test.lockStateMiB", 8) << 20;
        try (ApiClient j = ApiClient.start(d.withStorage(st))) {
            JsonNode a = acquire(j, "big", "writer", 120_000, 0);
            byte[] chunk = new byte[1 << 20];
            new Random(7).nextBytes(chunk);
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            try (Socket s = new Socket("127.0.0.1", j.server.port())) {
                OutputStream out = s.getOutputStream();
                out.write(("PUT /v1/locks/big/state HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-blob\r\n"
                        + "Spool-Lease-Id: " + a.path("lease_id").asText() + "\r\nSpool-Lock-Token: "
                        + a.path("token").asText() + "\r\nTransfer-Encoding: chunked\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                for (int i = 0; i < size / chunk.length; i++) {
                    chunk[0] = (byte) i;
                    sent.update(chunk);
                    out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(chunk);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String head = readHead(s.getInputStream());
                assertThat(head).startsWith("HTTP/1.1 200");
            }
            HttpDigest got = digest(j, "/v1/locks/big/state");
            assertThat(got.size).isEqualTo(size);
            assertThat(got.digest).isEqualTo(sent.digest());
            assertThat(j.get("/v1/locks/big").json().path("state").path("content_type").asText())
                    .isEqualTo("application/x-blob");
        }
    }

    private record HttpDigest(long size, byte[] digest) {
    }

    private static HttpDigest digest(ApiClient c, String path) throws Exception {
        var r = c.http.send(c.request(path).GET().build(), java.net.http.HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) {
            try (InputStream in = r.body()) {
                assertThat(r.statusCode()).as(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(200);
            }
        }
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        long n = 0;
        try (InputStream in = r.body()) {
            byte[] buf = new byte[64 * 1024];
            int k;
            while ((k = in.read(buf)) > 0) {
                md.update(buf, 0, k);
                n += k;
            }
        }
        return new HttpDigest(n, md.digest());
    }

    private static String readHead(InputStream in) throws Exception {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            sb.append((char) c);
            if (sb.toString().endsWith("\r\n\r\n")) {
                break;
            }
        }
        return sb.toString();
    }

    private static void awaitWaiters(String lock, int n) {
        Awaitility.await().atMost(10, TimeUnit.SECONDS).pollInterval(10, TimeUnit.MILLISECONDS)
                .until(() -> api.get("/v1/locks/" + lock).json().path("waiters").asInt() == n);
    }
}
