package dev.spool.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SIGKILL of a journal server in the middle of a fleet push, then a restart over the same data
 * directory: the fleet resumes and every endpoint ends with the payload acknowledged. An endpoint
 * that answered 2xx for a request whose ack the killed server had not made durable gets the payload
 * again with the same {@code webhook-id}, and (as Standard Webhooks receivers do) acknowledges that
 * id only once: no endpoint acknowledges two different deliveries.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FleetKillTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final int ENDPOINTS = 100;

    /** Per endpoint path: the webhook-ids it acknowledged (answered 2xx for the first time). */
    private final Map<String, Set<String>> acked = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger duplicates = new AtomicInteger();

    @Test
    void shouldResumeAfterSigkillWithEveryEndpointAcknowledgingThePayloadOnce() throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool();
        HttpServer endpoint = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 200);
        endpoint.setExecutor(pool);
        endpoint.createContext("/", this::handle);
        endpoint.start();
        Path data = Files.createTempDirectory("spool-it-fleet-kill");
        String[] flags = {"--push-allow", "127.0.0.1", "--push-scan-ms", "200"};
        ServerProcess first = ServerProcess.launch("fleet-kill-1", "journal", data, flags);
        ServerProcess second = null;
        try {
            first.awaitReady(Duration.ofSeconds(60));
            ObjectNode body = JSON.createObjectNode();
            ArrayNode urls = body.putArray("endpoints");
            for (int i = 0; i < ENDPOINTS; i++) {
                urls.add("http://127.0.0.1:" + endpoint.getAddress().getPort() + "/device/" + i);
            }
            body.put("payload_base64", "ZmlybXdhcmU=").put("concurrency", 4).put("timeout_ms", 3_000)
                    .put("retry_initial_ms", 100).put("retry_max_ms", 500);
            body.putArray("secrets").add("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
            JsonNode fleet = send(first, "POST", "/v1/fleets", body.toString(), 201);
            String id = fleet.get("id").asText();
            String messageId = fleet.get("config").get("message_id").asText();

            await().atMost(Duration.ofSeconds(60)).until(() -> requests.get() >= 20);
            first.kill();
            int beforeRestart = requests.get();
            assertThat(beforeRestart).as("killed in the middle").isLessThan(ENDPOINTS);

            second = ServerProcess.launch("fleet-kill-2", "journal", data, flags);
            second.awaitReady(Duration.ofSeconds(60));
            ServerProcess s = second;
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                    .until(() -> send(s, "GET", "/v1/fleets/" + id, null, 200).get("state").asText().equals("done"));

            JsonNode done = send(second, "GET", "/v1/fleets/" + id, null, 200);
            assertThat(done.get("counts").get("delivered").asInt()).isEqualTo(ENDPOINTS);
            assertThat(done.get("counts").get("failed").asInt()).isZero();
            assertThat(acked).hasSize(ENDPOINTS);
            assertThat(acked.values()).as("every endpoint acknowledged exactly one delivery, the fleet's message")
                    .allSatisfy(ids -> assertThat(ids).containsExactly(messageId));
            // duplicates (a 2xx whose ack the killed server had not made durable, or an attempt that timed
            // out on a loaded machine after the endpoint had answered) carry the same webhook-id: allowed
            assertThat(duplicates.get()).isLessThan(ENDPOINTS);
        } finally {
            first.close();
            if (second != null) {
                second.close();
            }
            endpoint.stop(0);
            pool.shutdownNow();
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            in.readAllBytes();
        }
        requests.incrementAndGet();
        // a device takes a moment to store what it got
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(30));
        String id = ex.getRequestHeaders().getFirst("webhook-id");
        if (!acked.computeIfAbsent(ex.getRequestURI().getPath(), p -> ConcurrentHashMap.newKeySet()).add(id)) {
            duplicates.incrementAndGet();
        }
        ex.sendResponseHeaders(204, -1);
        ex.close();
    }

    private static JsonNode send(ServerProcess s, String method, String path, String json, int expect) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(s.uri(path)).timeout(Duration.ofSeconds(30))
                    .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(json));
            if (json != null) {
                b.header("Content-Type", "application/json");
            }
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(expect);
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
