package dev.spool.server.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;

/** A server for push tests (127.0.0.1 allowed as a target, fast scans) and the calls the tests make. */
final class PushFixture implements AutoCloseable {
    /** Retries after 50 ms, doubling to 200 ms, no jitter, ten attempts. */
    static final String FAST_RETRY = "{\"max_attempts\": 10, \"retry_backoff\": {\"initial_ms\": 50, "
            + "\"max_ms\": 200, \"multiplier\": 2.0, \"jitter\": false}}";

    final SpoolServer server;

    private PushFixture(SpoolServer server) {
        this.server = server;
    }

    static ServerConfig config() {
        ServerConfig m = ServerConfig.ephemeralMemory();
        return m.withPush(PushSettings.DEFAULTS.withAllow(List.of("127.0.0.1")).withScanMs(200));
    }

    static PushFixture start(ServerConfig config) {
        try {
            return new PushFixture(SpoolServer.start(config).toCompletableFuture().get(60, TimeUnit.SECONDS));
        } catch (Exception e) {
            throw new IllegalStateException("server did not start", e);
        }
    }

    String url(String path) {
        return server.url() + path;
    }

    void createQueue(String q, String config) {
        assertThat(Http.send("PUT", url("/v1/queues/" + q), config).status()).isEqualTo(200);
    }

    Http.Reply putPush(String q, String name, String json) {
        return Http.send("PUT", url("/v1/queues/" + q + "/push/" + name), json);
    }

    JsonNode getPush(String q, String name) {
        Http.Reply r = Http.send("GET", url("/v1/queues/" + q + "/push/" + name), null);
        assertThat(r.status()).isEqualTo(200);
        return r.json();
    }

    /** Pushes JSON string payloads, each with {@code key} unless it is null; returns the ids. */
    List<String> push(String q, String key, String... payloads) {
        ObjectNode body = Http.JSON.createObjectNode();
        ArrayNode ms = body.putArray("messages");
        for (String p : payloads) {
            ObjectNode m = ms.addObject().put("payload", p);
            if (key != null) {
                m.put("key", key);
            }
        }
        Http.Reply r = Http.send("POST", url("/v1/queues/" + q + "/messages"), body.toString());
        assertThat(r.status()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        r.json().get("ids").forEach(n -> ids.add(n.asText()));
        return ids;
    }

    JsonNode message(String q, String id, String group) {
        Http.Reply r = Http.send("GET", url("/v1/queues/" + q + "/messages/" + id + "?group=" + group), null);
        assertThat(r.status()).isEqualTo(200);
        return r.json();
    }

    /** The group's stats from the push GET: ready + delayed + in flight. */
    long pending(String q, String name) {
        JsonNode s = getPush(q, name).get("stats");
        return s.get("ready").asLong() + s.get("delayed").asLong() + s.get("in_flight").asLong();
    }

    @Override
    public void close() {
        server.close();
    }
}
