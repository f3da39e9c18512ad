package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Graceful shutdown: waiters woken, in-flight requests finished, new ones refused. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShutdownTest {

    @Test
    void shouldWakeWaitingPopsWhenClosing() throws Exception {
        ApiClient api = ApiClient.start();
        api.put("/v1/queues/q", "{}");
        CompletableFuture<ApiClient.Resp> waiting = api.sendAsync(api.request("/v1/queues/q/pop")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"wait_ms\":50000}")).build());
        Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> api.server.waitingRequests() == 1);
        long t0 = System.nanoTime();
        api.server.closeAsync().toCompletableFuture().get(20, TimeUnit.SECONDS);
        ApiClient.Resp r = waiting.get(5, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("messages")).isEmpty();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(10_000);
    }

    @Test
    void shouldFinishInFlightRequestAndRefuseNewOnesWhileClosing() throws Exception {
        ApiClient api = ApiClient.start();
        api.put("/v1/queues/q", "{}");
        try (Socket s = new Socket("127.0.0.1", api.server.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/queues/q/messages HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                    + "Content-Length: 10\r\n\r\nhello").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> api.server.inFlightRequests() == 1);
            CompletionStage<Void> closing = api.server.closeAsync();
            ApiClient.Resp refused = api.get("/v1/queues/q");
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.errorCode()).isEqualTo("unavailable");
            assertThat(refused.header("Retry-After")).isNotNull();
            assertThat(closing.toCompletableFuture().isDone()).isFalse();
            out.write("world".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String reply = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(reply).isEqualTo("HTTP/1.1 200");
            closing.toCompletableFuture().get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldCloseStreamsWith1001AndAnswerReadyz503AndHealthz200WhenClosing() throws Exception {
        ApiClient api = ApiClient.start();
        api.put("/v1/queues/sq", "{}");
        try (StreamApiTest.Socket ws = new StreamApiTest.Socket(api.base);
                Socket held = new Socket("127.0.0.1", api.server.port())) {
            ws.send("{\"op\":\"subscribe\",\"req\":1,\"queue\":\"sq\",\"credit\":5}");
            assertThat(ws.next().path("op").asText()).isEqualTo("ok");
            // a request in flight keeps the shutdown in its first step until its body is complete
            held.setSoTimeout(10_000);
            OutputStream out = held.getOutputStream();
            out.write(("POST /v1/queues/sq/messages HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                    + "Content-Length: 4\r\n\r\nab").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> api.server.inFlightRequests() == 1);
            CompletionStage<Void> closing = api.server.closeAsync();
            ApiClient.Resp ready = api.get("/readyz");
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.errorCode()).isEqualTo("unavailable");
            ApiClient.Resp alive = api.get("/healthz");
            assertThat(alive.status()).as("liveness while draining, as docs/api.md says").isEqualTo(200);
            out.write("cd".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(new String(held.getInputStream().readNBytes(12), StandardCharsets.US_ASCII))
                    .isEqualTo("HTTP/1.1 200");
            assertThat(ws.closed.get(20, TimeUnit.SECONDS)).isEqualTo(1001);
            closing.toCompletableFuture().get(20, TimeUnit.SECONDS);
        }
    }
}
