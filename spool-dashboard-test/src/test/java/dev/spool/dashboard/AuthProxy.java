package dev.spool.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A reverse proxy in front of a Spool server that demands {@code Authorization: Bearer <token>} on
 * every API call ({@code /v1/...}, {@code 401} otherwise) and records the header of each one: it
 * stands in for the server's own authentication, to show that the dashboard sends the token it was
 * given on every call and asks for one when refused. The page's own files pass without a token.
 */
final class AuthProxy implements AutoCloseable {
    private static final List<String> COPIED = List.of("Content-Type", "ETag", "Cache-Control", "Location",
            "Content-Security-Policy", "X-Content-Type-Options");

    private final HttpServer http;
    private final HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private final String target;
    private final String expected;
    /** The Authorization header of every API call, "" when absent, in arrival order. */
    final Queue<String> seen = new ConcurrentLinkedQueue<>();

    AuthProxy(String target, String token) throws IOException {
        this.target = target;
        this.expected = "Bearer " + token;
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.setExecutor(Executors.newFixedThreadPool(4));
        http.createContext("/", this::handle);
        http.start();
    }

    String url() {
        return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            String query = ex.getRequestURI().getRawQuery();
            if (path.startsWith("/v1/")) {
                String auth = ex.getRequestHeaders().getFirst("Authorization");
                seen.add(auth == null ? "" : auth);
                if (!expected.equals(auth)) {
                    byte[] body = "{\"error\":{\"code\":\"unauthorized\",\"message\":\"a bearer token is required\"}}"
                            .getBytes(StandardCharsets.UTF_8);
                    ex.getResponseHeaders().add("Content-Type", "application/json");
                    ex.sendResponseHeaders(401, body.length);
                    ex.getResponseBody().write(body);
                    return;
                }
            }
            forward(ex, path + (query == null ? "" : "?" + query));
        }
    }

    private void forward(HttpExchange ex, String pathAndQuery) throws IOException {
        byte[] in;
        try (InputStream body = ex.getRequestBody()) {
            in = body.readAllBytes();
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(target + pathAndQuery)).timeout(Duration.ofSeconds(20))
                .method(ex.getRequestMethod(), in.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(in));
        for (String h : List.of("Content-Type", "Accept", "If-None-Match")) {
            String v = ex.getRequestHeaders().getFirst(h);
            if (v != null) {
                b.header(h, v);
            }
        }
        HttpResponse<byte[]> r;
        try {
            r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        for (String h : COPIED) {
            r.headers().firstValue(h).ifPresent(v -> ex.getResponseHeaders().add(h, v));
        }
        byte[] out = r.body();
        boolean empty = out.length == 0 || r.statusCode() == 204 || r.statusCode() == 304;
        ex.sendResponseHeaders(r.statusCode(), empty ? -1 : out.length);
        if (!empty) {
            try (OutputStream os = ex.getResponseBody()) {
                os.write(out);
            }
        }
    }

    @Override
    public void close() {
        http.stop(0);
        ((java.util.concurrent.ExecutorService) http.getExecutor()).shutdownNow();
    }
}
