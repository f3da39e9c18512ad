package dev.spool.server.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.spool.server.ServerConfig;

/**
 * Large journal payloads to plain-HTTP endpoints go from the segment file to the socket
 * ({@link FileSender}): such a request is the only one that carries {@code Connection: close},
 * which is how these tests know the path was taken. The body arrives byte-exact with its
 * Content-Length and a signature an independent Standard Webhooks check accepts; a slow endpoint
 * and one that never reads time out and are retried; a 410's first bytes become the dead reason.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class FileSenderTest {
    private static final int SIZE = 3 << 20;
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

    private void start(Path dir, String url, String extra) {
        ServerConfig c = PushFixture.config();
        spool = PushFixture.start(c.withStorage(c.storage().withStorage(ServerConfig.Storage.JOURNAL).withDataDir(dir)));
        spool.createQueue("fw", "{\"max_message_bytes\": " + (32 << 20) + ", \"max_attempts\": 10, "
                + "\"retry_backoff\": {\"initial_ms\": 50, \"max_ms\": 200, \"multiplier\": 2.0, \"jitter\": false}}");
        Http.Reply r = spool.putPush("fw", "hook", "{\"url\": \"" + url + "\", \"start\": \"earliest\"" + extra + "}");
        assertThat(r.status()).as(r.json().toString()).isEqualTo(200);
    }

    private String push(byte[] payload) {
        Http.Reply r = Http.sendBytes(spool.url("/v1/queues/fw/messages"), payload, "application/x-firmware", "dev-1");
        assertThat(r.status()).isEqualTo(200);
        return r.json().get("ids").get(0).asText();
    }

    private static byte[] random(int size) {
        byte[] b = new byte[size];
        new SecureRandom().nextBytes(b);
        return b;
    }

    @Test
    void shouldSendAJournalPayloadFromTheFileByteExactWithItsLengthAndSignature(@TempDir Path dir) throws Exception {
        byte[] key = random(32);
        String secret = "whsec_" + Base64.getEncoder().encodeToString(key);
        endpoint = new Endpoint(r -> Endpoint.Reply.status(204));
        start(dir, endpoint.url("/fw?d=1"), ", \"secrets\": [\"" + secret + "\"], \"headers\": {\"X-Fleet\": \"north\"}");
        byte[] payload = random(SIZE);

        String id = push(payload);

        await().atMost(Duration.ofSeconds(30)).until(
                () -> spool.message("fw", id, "hook").get("state").asText().equals("acked"));
        assertThat(endpoint.requests).hasSize(1);
        Endpoint.Request r = endpoint.requests.get(0);
        assertThat(r.header("connection")).as("sent from the file").isEqualTo("close");
        assertThat(r.size()).isEqualTo(SIZE);
        assertThat(r.header("content-length")).isEqualTo(Integer.toString(SIZE));
        assertThat(r.sha256()).isEqualTo(HexFormat.of().formatHex(Endpoint.sha().digest(payload)));
        assertThat(r.header("content-type")).isEqualTo("application/x-firmware");
        assertThat(r.header("spool-message-id")).isEqualTo(id);
        assertThat(r.header("spool-attempt")).isEqualTo("1");
        assertThat(r.header("spool-queue")).isEqualTo("fw");
        assertThat(r.header("spool-key")).isEqualTo("dev-1");
        assertThat(r.header("x-fleet")).isEqualTo("north");
        assertThat(r.header("host")).isEqualTo("127.0.0.1:" + endpoint.port());
        assertThat(r.header("spool-test-path")).isEqualTo("/fw");
        assertThat(r.header("webhook-id")).isEqualTo(id);
        assertThat(r.header("webhook-signature")).isEqualTo(signature(key, id, r.header("webhook-timestamp"), payload));
    }

    @Test
    void shouldSendPayloadsUnderTheThresholdThroughTheVertxClient(@TempDir Path dir) throws Exception {
        endpoint = new Endpoint(r -> Endpoint.Reply.status(200));
        start(dir, endpoint.url("/fw"), "");
        byte[] payload = random((int) FileSender.MIN_BYTES - 1);

        String id = push(payload);

        await().atMost(Duration.ofSeconds(30)).until(
                () -> spool.message("fw", id, "hook").get("state").asText().equals("acked"));
        Endpoint.Request r = endpoint.requests.get(0);
        assertThat(r.header("connection")).isNotEqualTo("close");
        assertThat(r.sha256()).isEqualTo(HexFormat.of().formatHex(Endpoint.sha().digest(payload)));
    }

    @Test
    void shouldRetryWhenTheEndpointAnswersAfterTheTimeout(@TempDir Path dir) throws Exception {
        AtomicInteger calls = new AtomicInteger();
        endpoint = new Endpoint(r -> calls.incrementAndGet() == 1
                ? new Endpoint.Reply(200, "", Map.of(), 3_000) : Endpoint.Reply.status(200));
        start(dir, endpoint.url("/fw"), ", \"timeout_ms\": 1000");
        byte[] payload = random(SIZE);

        String id = push(payload);

        await().atMost(Duration.ofSeconds(30)).until(
                () -> spool.message("fw", id, "hook").get("state").asText().equals("acked"));
        JsonNode view = spool.message("fw", id, "hook");
        assertThat(view.get("attempts").asInt()).isEqualTo(2);
        assertThat(view.get("last_error").asText()).contains("timed out after 1000 ms");
        assertThat(endpoint.requests).allSatisfy(r -> assertThat(r.size()).isEqualTo(SIZE));
    }

    @Test
    void shouldTimeOutAnEndpointThatNeverReadsTheBody(@TempDir Path dir) throws Exception {
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket dead = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.1"))) {
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        // accepted and never read: the body fills the socket buffers and stops
                        held.add(dead.accept());
                    }
                } catch (IOException e) {
                    // closed at the end of the test
                }
            });
            start(dir, "http://127.0.0.1:" + dead.getLocalPort() + "/fw", ", \"timeout_ms\": 500");

            // larger than loopback's socket buffers on both sides together (tcp_wmem + tcp_rmem maxima)
            push(random(24 << 20));

            // each attempt is a new connection: a second one means the first timed out and was retried
            await().atMost(Duration.ofSeconds(30)).until(() -> held.size() >= 2);
            JsonNode delivery = spool.getPush("fw", "hook").get("delivery");
            assertThat(delivery.get("last_error").asText()).isEqualTo("timed out after 500 ms");
            assertThat(delivery.get("retries").asLong()).isGreaterThanOrEqualTo(1);
            assertThat(delivery.get("delivered").asLong()).isZero();
            dead.close();
            acceptor.join(5_000);
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void shouldDeadLetterWithTheFirstBytesOfA410(@TempDir Path dir) throws Exception {
        endpoint = new Endpoint(r -> new Endpoint.Reply(410, "device retired", Map.of(), 0));
        start(dir, endpoint.url("/fw"), "");

        String id = push(random(SIZE));

        await().atMost(Duration.ofSeconds(30)).until(
                () -> spool.message("fw", id, "hook").get("state").asText().equals("dead"));
        assertThat(spool.message("fw", id, "hook").get("last_error").asText()).isEqualTo("http 410: device retired");
        assertThat(endpoint.requests).hasSize(1);
    }

    /** The Standard Webhooks rule, from the specification: v1,base64(HMAC-SHA256(key, id.ts.body)). */
    private static String signature(byte[] key, String id, String timestamp, byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
        return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
    }
}
