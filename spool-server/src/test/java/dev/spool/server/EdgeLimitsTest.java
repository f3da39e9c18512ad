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
