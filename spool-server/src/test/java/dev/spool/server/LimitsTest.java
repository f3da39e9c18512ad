package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.BrokerLimits;

/** Bounds past which the server answers 413 or 429 instead of slowing down. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LimitsTest {

    @Test
    void shouldAnswer429WithRetryAfterWhenConnectionsAreExhausted() throws Exception {
        ServerConfig d = ServerConfig.ephemeralMemory();
        try (ApiClient api = ApiClient.start(d.withListener(d.listener().withMaxConnections(2)));
                Socket s1 = new Socket("127.0.0.1", api.server.port());
                Socket s2 = new Socket("127.0.0.1", api.server.port())) {
            assertThat(exchange(s1, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 200");
            assertThat(exchange(s2, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 200");
            try (Socket s3 = new Socket("127.0.0.1", api.server.port())) {
                String reply = exchange(s3, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(reply).startsWith("HTTP/1.1 429");
                assertThat(reply).containsIgnoringCase("retry-after: 1");
                assertThat(reply).contains("too_many_requests");
            }
            s1.close();
            Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> {
                try (Socket s4 = new Socket("127.0.0.1", api.server.port())) {
                    return exchange(s4, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").startsWith("HTTP/1.1 200");
                }
            });
        }
    }

    /** Writes a request and reads the status line and headers (and what body came with them). */
    private static String exchange(Socket s, String request) throws Exception {
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[8192];
        int n = in.read(buf);
        return n < 0 ? "" : new String(buf, 0, n, StandardCharsets.UTF_8);
    }

    @Test
    void shouldAnswer429WhenWaitersAreExhausted() throws Exception {
        ServerConfig config = ServerConfig.ephemeralMemory().withLimits(new BrokerLimits(100, 10, 100, 100, 30_000, 1,
                100, 100));
        try (ApiClient api = ApiClient.start(config)) {
            api.put("/v1/queues/w", "{}");
            CompletableFuture<ApiClient.Resp> first = api.sendAsync(api.request("/v1/queues/w/pop")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"wait_ms\":20000}")).build());
            Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> api.server.waitingRequests() == 1);
            ApiClient.Resp second = api.post("/v1/queues/w/pop", "{\"wait_ms\":20000}");
            assertThat(second.status()).as(second.toString()).isEqualTo(429);
            assertThat(second.errorCode()).isEqualTo("too_many_requests");
            assertThat(second.header("Retry-After")).isNotNull();
            api.pushJson("w", "1");
            assertThat(first.get(10, TimeUnit.SECONDS).json().path("messages")).hasSize(1);
        }
    }

    @Test
    void shouldAnswer429WhenLockWaitersAreExhausted() throws Exception {
        ServerConfig config = ServerConfig.ephemeralMemory().withLimits(new BrokerLimits(100, 10, 100, 100, 30_000, 1,
                100, 100));
        try (ApiClient api = ApiClient.start(config)) {
            com.fasterxml.jackson.databind.JsonNode held = LockApiTest.acquire(api, "w", "holder", 60_000, 0);
            CompletableFuture<ApiClient.Resp> first = api.sendAsync(api.request("/v1/locks/w/acquire")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"owner\":\"first\",\"ttl_ms\":1000,\"wait_ms\":20000}"))
                    .build());
            Awaitility.await().atMost(10, TimeUnit.SECONDS)
                    .until(() -> api.get("/v1/locks/w").json().path("waiters").asInt() == 1);
            ApiClient.Resp second = api.post("/v1/locks/w/acquire", "{\"owner\":\"second\",\"ttl_ms\":1000,"
                    + "\"wait_ms\":20000}");
            assertThat(second.status()).as(second.toString()).isEqualTo(429);
            assertThat(second.errorCode()).isEqualTo("too_many_requests");
            assertThat(second.header("Retry-After")).isNotNull();
            api.post("/v1/locks/w/release", "{\"lease_id\":\"" + held.path("lease_id").asText() + "\",\"token\":"
                    + held.path("token").asLong() + "}");
            assertThat(first.get(10, TimeUnit.SECONDS).json().path("owner").asText()).isEqualTo("first");
        }
    }

    @Test
    void shouldCutChunkedRawBodyAtTheQueueLimit() throws Exception {
        try (ApiClient api = ApiClient.start()) {
            api.put("/v1/queues/small", "{\"max_message_bytes\":1000}");
            try (Socket s = new Socket("127.0.0.1", api.server.port())) {
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                out.write(("POST /v1/queues/small/messages HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                String chunk = "200\r\n" + "x".repeat(512) + "\r\n";
                for (int i = 0; i < 3; i++) {
                    out.write(chunk.getBytes(StandardCharsets.US_ASCII));
                }
                out.flush();
                String reply = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                assertThat(reply).isEqualTo("HTTP/1.1 413");
            }
            assertThat(api.get("/v1/queues/small").json().path("stats").path("ready").asLong()).isZero();
            ApiClient.Resp ok = api.send("POST", "/v1/queues/small/messages", "x".repeat(1000).getBytes(
                    StandardCharsets.US_ASCII), "Content-Type", "text/plain");
            assertThat(ok.status()).isEqualTo(200);
        }
    }

    @Test
    void shouldRefuseJsonBodyOverMaxRequestBytes() {
        ServerConfig d = ServerConfig.ephemeralMemory();
        try (ApiClient api = ApiClient.start(d.withListener(d.listener().withMaxRequestBytes(4096)))) {
            ApiClient.Resp r = api.post("/v1/queues/big/messages", "{\"messages\":[{\"payload\":\""
                    + "x".repeat(5000) + "\"}]}");
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.errorCode()).isEqualTo("payload_too_large");
            assertThat(api.get("/v1/queues/big").status()).isEqualTo(404);
        }
    }

    @Test
    void shouldAnswer429WithRetryAfterWhenQueueCountIsExhausted() {
        ServerConfig config = ServerConfig.ephemeralMemory().withLimits(new BrokerLimits(2, 10, 100, 100, 30_000, 10,
                100, 100));
        try (ApiClient api = ApiClient.start(config)) {
            assertThat(api.put("/v1/queues/one", "{}").status()).isEqualTo(200);
            assertThat(api.put("/v1/queues/two", "{}").status()).isEqualTo(200);
            for (ApiClient.Resp r : new ApiClient.Resp[] {api.put("/v1/queues/three", "{}"),
                api.post("/v1/queues/four/messages", "{\"messages\":[{\"payload\":1}]}")}) {
                assertThat(r.status()).as(r.toString()).isEqualTo(429);
                assertThat(r.errorCode()).isEqualTo("too_many_requests");
                assertThat(r.header("Retry-After")).isNotNull();
            }
            assertThat(api.get("/v1/queues").json().path("queues").findValuesAsText("name"))
                    .containsExactlyInAnyOrder("one", "two");
        }
    }

    @Test
    void shouldRefuseRequestsOverTheSizeBoundsNamingTheField() {
        ServerConfig config = ServerConfig.ephemeralMemory().withLimits(new BrokerLimits(100, 10, 3, 3, 30_000, 10,
                2, 3));
        try (ApiClient api = ApiClient.start(config)) {
            String four = "{\"messages\":[{\"payload\":1},{\"payload\":2},{\"payload\":3},{\"payload\":4}]}";
            assertField(api.post("/v1/queues/b/messages", four), "messages");
            api.post("/v1/queues/b/messages", "{\"messages\":[{\"payload\":1},{\"payload\":2},{\"payload\":3}]}");
            assertField(api.post("/v1/queues/b/pop", "{\"max\":4}"), "max");
            String r = "\"0000000000000001.1\"";
            assertField(api.post("/v1/queues/b/ack", "{\"receipts\":[" + r + "," + r + "," + r + "," + r + "]}"),
                    "receipts");
            assertField(api.get("/v1/queues/b/messages?limit=4"), "limit");
            String op = "{\"op\":\"push\",\"queue\":\"b\",\"messages\":[{\"payload\":1}]}";
            assertField(api.post("/v1/tx", "{\"ops\":[" + op + "," + op + "," + op + "]}"), "ops");
            assertField(api.post("/v1/queues/b/pop", "{\"wait_ms\":30001}"), "wait_ms");
            assertThat(api.get("/v1/queues/b").json().path("stats").path("ready").asLong()).isEqualTo(3);
        }
    }

    private static void assertField(ApiClient.Resp r, String field) {
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.errorCode()).isEqualTo("invalid_argument");
        assertThat(r.errorField()).isEqualTo(field);
    }

    @Test
    void shouldEndStreamSubscriptionWith429WhenWaitersAreExhausted() throws Exception {
        ServerConfig config = ServerConfig.ephemeralMemory().withLimits(new BrokerLimits(100, 10, 100, 100, 30_000, 1,
                100, 100));
        try (ApiClient api = ApiClient.start(config)) {
            api.put("/v1/queues/w", "{}");
            CompletableFuture<ApiClient.Resp> first = api.sendAsync(api.request("/v1/queues/w/pop")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"wait_ms\":20000}")).build());
            Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> api.server.waitingRequests() == 1);
            try (StreamApiTest.Socket s = new StreamApiTest.Socket(api.base)) {
                s.send("{\"op\":\"subscribe\",\"req\":1,\"sub\":\"s\",\"queue\":\"w\",\"credit\":5}");
                com.fasterxml.jackson.databind.JsonNode f = s.next();
                if (f.path("op").asText().equals("ok")) {
                    f = s.next();
                }
                assertThat(f.path("op").asText()).as(f.toString()).isEqualTo("error");
                assertThat(f.path("error").path("code").asText()).isEqualTo("too_many_requests");
            }
            api.pushJson("w", "1");
            assertThat(first.get(10, TimeUnit.SECONDS).json().path("messages")).hasSize(1);
        }
    }

    @Test
    void shouldAnswer100ContinueOnlyWhenTheBodyWillBeRead() throws Exception {
        try (ApiClient api = ApiClient.start()) {
            api.put("/v1/queues/cont", "{\"max_message_bytes\":1000}");
            String[] types = {"application/json", "text/plain"};
            String[] bodies = {"{\"messages\":[{\"payload\":1}]}", "hello"};
            for (int i = 0; i < types.length; i++) {
                try (Socket s = new Socket("127.0.0.1", api.server.port())) {
                    String head = "POST /v1/queues/cont/messages HTTP/1.1\r\nHost: x\r\nContent-Type: " + types[i]
                            + "\r\nExpect: 100-continue\r\nContent-Length: " + bodies[i].length() + "\r\n\r\n";
                    assertThat(exchange(s, head)).as(types[i]).startsWith("HTTP/1.1 100 Continue");
                    assertThat(exchange(s, bodies[i])).as(types[i]).startsWith("HTTP/1.1 200");
                }
                try (Socket s = new Socket("127.0.0.1", api.server.port())) {
                    String head = "POST /v1/queues/cont/messages HTTP/1.1\r\nHost: x\r\nContent-Type: " + types[i]
                            + "\r\nExpect: 100-continue\r\nContent-Length: 104857600\r\n\r\n";
                    s.setSoTimeout(10_000);
                    s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    // the server refuses and closes: no 100 Continue, nothing read
                    String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertThat(reply).as(types[i]).startsWith("HTTP/1.1 413");
                    assertThat(reply).contains("payload_too_large");
                }
            }
            assertThat(api.get("/v1/queues/cont").json().path("stats").path("ready").asLong()).isEqualTo(2);
        }
    }
}
