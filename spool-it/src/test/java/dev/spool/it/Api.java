package dev.spool.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** A small HTTP API v1 client over {@code java.net.http}, for tests that talk to server processes. */
final class Api {
    static final ObjectMapper JSON = new ObjectMapper();

    /** One reply. */
    record Reply(int status, JsonNode body) {
        String errorCode() {
            return body == null ? null : body.path("error").path("code").asText(null);
        }

        Reply expect(int expected) {
            if (status != expected) {
                throw new AssertionError("expected " + expected + ", got " + status + ": " + body);
            }
            return this;
        }
    }

    /** One leased message. */
    record Leased(String id, String receipt, int attempts, long leaseExpiresAt, String key, JsonNode payload) {
    }

    private final ServerProcess server;
    private final HttpClient http;
    private final Duration timeout;

    Api(ServerProcess server, Duration timeout) {
        this.server = server;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
    }

    ServerProcess server() {
        return server;
    }

    /** Sends a request; a transport failure is an {@link UncheckedIOException}. */
    Reply call(String method, String path, Object body) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(server.uri(path)).timeout(timeout);
            if (body == null) {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                b.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            }
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode json = r.body().length == 0 ? null : JSON.readTree(r.body());
            return new Reply(r.statusCode(), json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A message body for {@link #push}: a JSON payload and an optional key. */
    static ObjectNode message(Object payload, String key) {
        ObjectNode m = JSON.createObjectNode();
        m.set("payload", JSON.valueToTree(payload));
        if (key != null) {
            m.put("key", key);
        }
        return m;
    }

    /** Pushes a batch; returns the ids in order. */
    List<String> push(String queue, List<ObjectNode> messages) {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("messages").addAll(messages);
        Reply r = call("POST", "/v1/queues/" + queue + "/messages", body).expect(200);
        List<String> ids = new ArrayList<>();
        r.body().get("ids").forEach(n -> ids.add(n.asText()));
        return ids;
    }

    /** Pops; {@code visibilityMs} 0 means the queue's. */
    List<Leased> pop(String queue, int max, long waitMs, long visibilityMs) {
        Reply r = call("POST", "/v1/queues/" + queue + "/pop",
                Map.of("max", max, "wait_ms", waitMs, "visibility_ms", visibilityMs)).expect(200);
        List<Leased> out = new ArrayList<>();
        for (JsonNode m : r.body().get("messages")) {
            out.add(new Leased(m.get("id").asText(), m.get("receipt").asText(), m.get("attempts").asInt(),
                    m.get("lease_expires_at").asLong(), m.path("key").asText(null), m.get("payload")));
        }
        return out;
    }

    /** Acks; returns each receipt's status ({@code ok}, {@code stale}, {@code not_found}). */
    List<String> ack(String queue, List<String> receipts) {
        Reply r = call("POST", "/v1/queues/" + queue + "/ack", Map.of("receipts", receipts)).expect(200);
        List<String> out = new ArrayList<>();
        ((ArrayNode) r.body().get("results")).forEach(n -> out.add(n.get("status").asText()));
        return out;
    }

    /** Creates or reconfigures a queue. */
    void putQueue(String queue, Map<String, Object> config) {
        call("PUT", "/v1/queues/" + queue, config).expect(200);
    }

    /** The default group's stats of a queue. */
    JsonNode stats(String queue) {
        return call("GET", "/v1/queues/" + queue, null).expect(200).body().get("stats");
    }
}
