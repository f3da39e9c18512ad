package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A client that goes away during a long-poll pop, or whose stream subscription had a pop waiting,
 * withdraws it: nothing is leased for it afterwards.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PopDisconnectTest {

    @Test
    void shouldWithdrawAWaitingPopWhoseClientDisconnected() throws Exception {
        try (ApiClient api = ApiClient.start()) {
            api.put("/v1/queues/q", "{}");
            String body = "{\"wait_ms\":30000}";
            try (Socket s = new Socket("127.0.0.1", api.server.port())) {
                OutputStream out = s.getOutputStream();
                out.write(("POST /v1/queues/q/pop HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> api.server.waitingRequests() == 1);
            }
            // the server sees the close and withdraws the pop, well before its 30 s wait ends
            Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> api.server.waitingRequests() == 0);

            assertThat(api.post("/v1/queues/q/messages", "{\"messages\":[{\"payload\":\"a\"}]}").status()).isEqualTo(200);
            JsonNode m = api.post("/v1/queues/q/pop", "{\"wait_ms\":5000}").json().path("messages").path(0);

            // the message's first delivery: the gone client's pop did not lease it and give it back
            assertThat(m.path("payload").asText()).isEqualTo("a");
            assertThat(m.path("attempts").asInt()).isEqualTo(1);
        }
    }

    @Test
    void shouldWithdrawTheWaitingPopOfASubscriptionWhoseSocketClosed() throws Exception {
        try (ApiClient api = ApiClient.start()) {
            api.put("/v1/queues/sq", "{}");
            try (StreamApiTest.Socket ws = new StreamApiTest.Socket(api.base)) {
                ws.send("{\"op\":\"subscribe\",\"req\":1,\"queue\":\"sq\",\"credit\":5}");
                assertThat(ws.next().path("op").asText()).isEqualTo("ok");
                Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> api.server.openStreams() == 1);
            }
            // the socket's close stops its subscription, which withdraws the pop it had waiting
            Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> api.server.openStreams() == 0);

            assertThat(api.post("/v1/queues/sq/messages", "{\"messages\":[{\"payload\":\"a\"}]}").status())
                    .isEqualTo(200);
            JsonNode m = api.post("/v1/queues/sq/pop", "{\"wait_ms\":5000}").json().path("messages").path(0);

            // the first delivery: the closed subscription's pop neither leased it nor gave it back
            assertThat(m.path("payload").asText()).isEqualTo("a");
            assertThat(m.path("attempts").asInt()).isEqualTo(1);
        }
    }
}
