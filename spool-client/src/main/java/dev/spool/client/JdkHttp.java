package dev.spool.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;

import dev.spool.api.TlsFiles;

/**
 * Request/reply HTTP over the JDK's {@link HttpClient}, for short-lived processes: the {@code spool}
 * command makes one or two calls and exits, and starting Vert.x (event loops, Netty channels, DNS
 * resolver) for them costs more start-up time than the calls themselves. Chosen with the system
 * property {@value #PROPERTY}{@code =jdk}; streams ({@code /v1/stream}), file uploads and the
 * timers of producers and consumers still start Vert.x when they are used.
 *
 * <p>It carries the same credentials as the Vert.x transport: the bearer token on every request, and
 * for {@code https://} a TLS context built by {@link TlsFiles} from the CA file and client certificate
 * (the JDK's trusted roots when no CA file is given). The JDK client verifies the server's host name.
 */
final class JdkHttp implements AutoCloseable {
    /** The system property that picks the request/reply transport: {@code vertx} (default) or {@code jdk}. */
    static final String PROPERTY = "spool.client.http";
    /** Headers the JDK client sets itself and refuses from callers. */
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");

    private final ClientOptions options;
    private final HttpClient http;

    JdkHttp(ClientOptions options) {
        this.options = options;
        // a plain-HTTP base URL goes through PlainHttp, which needs no client (nor TLS set-up) at all
        this.http = options.tls() ? HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .sslContext(TlsFiles.clientContext(options.credentials().caFile(), options.credentials().certFile(),
                        options.credentials().keyFile()))
                .connectTimeout(Duration.ofMillis(options.connectTimeoutMs())).build() : null;
    }

    /** The caller's headers plus the bearer token of the credentials, if any. */
    private Map<String, String> withToken(Map<String, String> headers) {
        if (options.credentials().token().isEmpty()) {
            return headers;
        }
        Map<String, String> all = new java.util.LinkedHashMap<>(headers);
        all.put("Authorization", "Bearer " + options.credentials().token().get());
        return all;
    }

    /** Whether the system property asks for this transport. */
    static boolean chosen() {
        return "jdk".equalsIgnoreCase(System.getProperty(PROPERTY, "vertx"));
    }

    /** Sends a request; the reply's body is read whole. Failures below HTTP fail with their cause. */
    CompletableFuture<Transport.Reply> send(HttpMethod method, String uri, Buffer body, String contentType,
            Map<String, String> headers, long waitMs) {
        Map<String, String> all = withToken(headers);
        if (http == null) {
            return PlainHttp.send(URI.create(options.baseUrl() + uri), method, body, contentType, all,
                    options.connectTimeoutMs(), options.requestTimeoutMs() + waitMs);
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(options.baseUrl() + uri))
                .timeout(Duration.ofMillis(options.requestTimeoutMs() + waitMs))
                .method(method.name(), body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body.getBytes()));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        for (Map.Entry<String, String> h : all.entrySet()) {
            if (!RESTRICTED.contains(h.getKey().toLowerCase(java.util.Locale.ROOT))) {
                b.header(h.getKey(), h.getValue());
            }
        }
        return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofByteArray())
                .handle((r, e) -> {
                    if (e != null) {
                        throw new CompletionException(e instanceof CompletionException && e.getCause() != null
                                ? e.getCause() : e);
                    }
                    MultiMap h = MultiMap.caseInsensitiveMultiMap();
                    for (Map.Entry<String, List<String>> entry : r.headers().map().entrySet()) {
                        for (String v : entry.getValue()) {
                            h.add(entry.getKey(), v);
                        }
                    }
                    return new Transport.Reply(r.statusCode(), h, Buffer.buffer(r.body()));
                });
    }

    @Override
    public void close() {
        if (http != null) {
            http.close();
        }
    }
}
