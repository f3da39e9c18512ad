package dev.spool.server.push;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** A small JSON client of a Spool server for the push tests. */
final class Http {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** A reply: status and parsed JSON body (null node when empty). */
    record Reply(int status, JsonNode json) {
    }

    private Http() {
    }

    static Reply send(String method, String url, String json) {
        HttpRequest.BodyPublisher body = json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json);
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .method(method, body);
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        return exchange(b.build());
    }

    static Reply sendBytes(String url, byte[] bytes, String contentType, String key) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).header("Content-Type", contentType);
        if (key != null) {
            b.header("Spool-Key", key);
        }
        return exchange(b.build());
    }

    private static Reply exchange(HttpRequest r) {
        try {
            HttpResponse<String> resp = CLIENT.send(r, HttpResponse.BodyHandlers.ofString());
            JsonNode node = resp.body().isEmpty() ? JSON.nullNode() : JSON.readTree(resp.body());
            return new Reply(resp.statusCode(), node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
