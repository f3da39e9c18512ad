package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The edge bounds of {@code docs/configuration.md} ("Edge") in process, one behaviour each; the
 * hostile suite ({@code dev.spool.server.hostile}) runs them at scale against a server process.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EdgeLimitsTest {

    @Test
    void shouldTakeBodyMemoryAsBytesArriveAndAnswer429PastTheBudget() throws Exception {
        ServerConfig d = ServerConfig.ephemeralMemory();
        try (ApiClient api = ApiClient.start(d.withEdge(d.edge().withMaxBodyBytesInFlight(64 * 1024)));
                Socket holder = new Socket("127.0.0.1", api.server.port());
                Socket late = new Socket("127.0.0.1", api.server.port())) {
            // declares 60 000 bytes but sends 48 KiB: only what arrived is held
            write(holder, "POST /v1/queues/q/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 60000\r\n\r\n" + " ".repeat(48 * 1024));
            Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> api.server.bodyBytesInFlight() == 48 * 1024);
            write(late, "POST /v1/queues/q/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 20000\r\n\r\n" + " ".repeat(20000));
            String reply = read(late);
            assertThat(reply).startsWith("HTTP/1.1 429").containsIgnoringCase("retry-after: 1")
                    .contains("too_many_requests");
            holder.close();
            Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> api.server.bodyBytesInFlight() == 0);
            assertThat(api.post("/v1/queues/q/messages", "{\"messages\":[{\"payload\":1}]}").status()).isEqualTo(200);
        }
    }

    @Test
    void shouldCloseAConnectionWhoseHeadDoesNotArriveInTime() throws Exception {
        ServerConfig d = ServerConfig.ephemeralMemory();
        try (ApiClient api = ApiClient.start(d.withEdge(d.edge().withTimeouts(300, 0)));
                Socket s = new Socket("127.0.0.1", api.server.port())) {
            write(s, "GET /healthz HTTP/1.1\r\nHost: x\r\n");
            String reply = read(s);
            assertThat(reply).startsWith("HTTP/1.1 408");
            assertThat(s.getInputStream().read()).as("closed").isEqualTo(-1);
        }
    }

    @Test
    void shouldCutOffABodyThatStalls() throws Exception {
        ServerConfig d = ServerConfig.ephemeralMemory();
        try (ApiClient api = ApiClient.start(d.withEdge(d.edge().withTimeouts(0, 300)));
                Socket s = new Socket("127.0.0.1", api.server.port())) {
            write(s, "POST /v1/queues/q/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100\r\n\r\n{");
            String reply = read(s);
            assertThat(reply).startsWith("HTTP/1.1 400").contains("too slowly");
        }
    }

    @Test
    void shouldAnswer429PastMaxGroupsButAcceptAnExistingGroupAgain() {
        ServerConfig d = ServerConfig.ephemeralMemory();
        try (ApiClient api = ApiClient.start(d.withEdge(d.edge().withMaxGroups(2)))) {
            api.put("/v1/queues/a", "{}");
            api.put("/v1/queues/b", "{}");
            assertThat(api.put("/v1/queues/a/groups/g1", "{}").status()).isEqualTo(200);
            assertThat(api.put("/v1/queues/b/groups/g1", "{}").status()).isEqualTo(200);
            ApiClient.Resp third = api.put("/v1/queues/b/groups/g2", "{}");
            assertThat(third.status()).isEqualTo(429);
            assertThat(third.header("Retry-After")).isEqualTo("1");
            assertThat(api.put("/v1/queues/a/groups/g1", "{}").status()).isEqualTo(200);
        }
    }

    @Test
    void shouldKeepMetricLabelsInClosedSetsAndBoundPerQueueSeries() throws Exception {
        ServerConfig d = ServerConfig.ephemeralMemory();
        try (ApiClient api = ApiClient.start(d.withEdge(d.edge().withMetricsMaxQueues(1)));
                Socket s = new Socket("127.0.0.1", api.server.port())) {
            write(s, "BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(read(s)).startsWith("HTTP/1.1 405");
            api.pushJson("q1", "1");
            api.pushJson("q2", "2");
            String m = api.get("/metrics").text();
            assertThat(m).doesNotContain("BREW").contains("method=\"other\"");
            assertThat(m).contains("spool_messages_pushed_total{queue=\"q1\"} 1.0")
                    .contains("spool_messages_pushed_total{queue=\"~other\"} 1.0")
                    .doesNotContain("queue=\"q2\"");
            assertThat(m).contains("spool_queues 2.0").contains("spool_metrics_groups_omitted 1.0");
        }
    }

    @Test
    void shouldStartNoFurtherRequestOfAConnectionWhoseRepliesAreNotRead() throws Exception {
        try (ApiClient api = ApiClient.start(); Socket s = new Socket("127.0.0.1", api.server.port())) {
            String payload = "\"" + "p".repeat(64 * 1024) + "\"";
            for (int i = 0; i < 20; i++) {
                api.pushJson("big", payload);
            }
            s.setReceiveBufferSize(4096);
            // 50 browses of ~1.3 MB each, pipelined, and nothing read
            write(s, "GET /v1/queues/big/messages?limit=20 HTTP/1.1\r\nHost: x\r\n\r\n".repeat(50));
            Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> browses(api) >= 1);
            // a few replies fit the socket buffers; without back-pressure all 50 would be answered
            Awaitility.await().during(2, TimeUnit.SECONDS).atMost(5, TimeUnit.SECONDS).until(() -> browses(api) <= 10);
        }
    }

    /** Browse requests the server has answered, from its own metrics. */
    private static double browses(ApiClient api) {
        String m = api.get("/metrics").text();
        java.util.regex.Matcher x = java.util.regex.Pattern.compile(
                "spool_http_requests_seconds_count\\{method=\"GET\",route=\"/v1/queues/:q/messages\",status=\"200\"} (\\S+)")
                .matcher(m);
        return x.find() ? Double.parseDouble(x.group(1)) : 0;
    }

    private static void write(Socket s, String text) throws Exception {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static String read(Socket s) throws Exception {
        s.setSoTimeout(10_000);
        InputStream in = s.getInputStream();
        byte[] buf = new byte[8192];
        int n = in.read(buf);
        return n < 0 ? "" : new String(buf, 0, n, StandardCharsets.UTF_8);
    }
}
