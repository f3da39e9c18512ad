package dev.spool.server.security;

import dev.spool.testkit.TestPki;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import javax.net.ssl.SSLContext;

import dev.spool.api.TlsFiles;

/** A java.net.http client for tests of a TLS listener: trust, an optional client certificate, a token. */
final class SecureClient {
    final HttpClient http;
    final String base;

    SecureClient(String base, Optional<Path> ca, Optional<TestPki.Issued> cert) {
        this(base, TlsFiles.clientContext(ca, cert.map(TestPki.Issued::cert), cert.map(TestPki.Issued::key)));
    }

    SecureClient(String base, SSLContext ctx) {
        this.base = base;
        this.http = HttpClient.newBuilder().sslContext(ctx).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** Sends a request; {@code token} null for none; {@code body} null for no body. */
    HttpResponse<String> send(String method, String path, String body, String token)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
