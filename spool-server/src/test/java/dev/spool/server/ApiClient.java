package dev.spool.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A test client that talks to a real {@link SpoolServer} through a socket with
 * {@code java.net.http}. Starts the server (memory storage, ephemeral port unless configured) and
 * closes it.
 */
final class ApiClient implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    final SpoolServer server;
    final HttpClient http;
    final String base;

    private ApiClient(SpoolServer server) {
        this(server, server.url());
    }

    private ApiClient(SpoolServer server, String base) {
        this.server = server;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        this.base = base;
    }

    /** A client of a server running elsewhere (another process); {@link #close()} leaves it running. */
    static ApiClient remote(String base) {
        return new ApiClient(null, base);
    }

    static ApiClient start() {
        return start(ServerConfig.ephemeralMemory());
    }

    /** Serves a broker the caller owns (and closes after the client). */
    static ApiClient start(ServerConfig config, dev.spool.api.Broker broker) {
        try {
            return new ApiClient(SpoolServer.start(config, broker).toCompletableFuture().get(30, TimeUnit.SECONDS));
        } catch (Exception e) {
            throw new IllegalStateException("server did not start", e);
        }
    }

    static ApiClient start(ServerConfig config) {
        try {
            return new ApiClient(SpoolServer.start(config).toCompletableFuture().get(30, TimeUnit.SECONDS));
        } catch (Exception e) {
            throw new IllegalStateException("server did not start", e);
        }
    }

    /** A response with helpers. */
    record Resp(int status, HttpResponse<byte[]> raw) {
        String text() {
            return new String(raw.body(), StandardCharsets.UTF_8);
        }

        byte[] bytes() {
            return raw.body();
        }

        JsonNode json() {
            try {
                return JSON.readTree(raw.body());
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + text(), e);
            }
        }

        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        String errorCode() {
            return json().path("error").path("code").asText();
        }

        String errorField() {
            return json().path("error").path("field").asText(null);
        }

        @Override
        public String toString() {
            return status + " " + text();
        }
    }

    Resp get(String path) {
        return send(request(path).GET().build());
    }

    Resp delete(String path) {
        return send(request(path).DELETE().build());
    }

    Resp post(String path, String json) {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    Resp put(String path, String json) {
        return send(request(path).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    /** Any method with a raw body and header pairs. */
    Resp send(String method, String path, byte[] body, String... headers) {
        HttpRequest.Builder b = request(path).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b.build());
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(90));
    }

    Resp send(HttpRequest req) {
        try {
            HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
            return new Resp(r.statusCode(), r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    CompletableFuture<Resp> sendAsync(HttpRequest req) {
        return http.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray()).thenApply(r -> new Resp(r.statusCode(), r));
    }

    /** Pushes one JSON payload and returns its id. */
    String pushJson(String queue, String payloadJson) {
        Resp r = post("/v1/queues/" + queue + "/messages", "{\"messages\":[{\"payload\":" + payloadJson + "}]}");
        if (r.status() != 200) {
            throw new IllegalStateException(r.toString());
        }
        return r.json().path("ids").get(0).asText();
    }

    /** Pops up to max messages (no wait) and returns the messages array. */
    JsonNode pop(String queue, int max) {
        Resp r = post("/v1/queues/" + queue + "/pop", "{\"max\":" + max + "}");
        if (r.status() != 200) {
            throw new IllegalStateException(r.toString());
        }
        return r.json().path("messages");
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
