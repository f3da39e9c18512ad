package dev.spool.client;

import java.net.URI;
import java.util.Locale;

import dev.spool.api.SpoolException;

/**
 * How a {@link SpoolClient} connects: the server's base URL, the connection pool and timeouts.
 *
 * <p>Start from {@link #of(String)} and adjust with the {@code with*} copies; the values are
 * checked once, when the client is created.
 *
 * @param baseUrl the server, e.g. {@code http://127.0.0.1:7070} (http or https, no path)
 * @param maxConnections most HTTP/1.1 connections kept open to the server; long-polling pops each
 *        hold one while they wait
 * @param pipelining send several requests on one connection without waiting for replies (off by
 *        default: a long-polling pop would hold up the requests behind it)
 * @param connectTimeoutMs how long connecting may take
 * @param requestTimeoutMs how long a request may stay without any reply bytes, on top of the wait
 *        the request itself asks for ({@code wait_ms})
 * @param eventLoops Vert.x event loop threads of the client; 0 picks one per core, at most 4
 * @param maxFrameBytes largest WebSocket message the client accepts from {@code /v1/stream}
 * @param credentials token, server CA and client certificate ({@link ClientCredentials#NONE} by default)
 */
public record ClientOptions(URI baseUrl, int maxConnections, boolean pipelining, long connectTimeoutMs,
        long requestTimeoutMs, int eventLoops, int maxFrameBytes, ClientCredentials credentials) {

    /** The default server: {@code http://127.0.0.1:7070}. */
    public static final String DEFAULT_URL = "http://127.0.0.1:7070";

    /** Checks the values. */
    public ClientOptions {
        if (baseUrl == null || credentials == null) {
            throw SpoolException.invalid("url", "a server URL is required");
        }
        String scheme = baseUrl.getScheme() == null ? "" : baseUrl.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || baseUrl.getHost() == null) {
            throw SpoolException.invalid("url", "expected http://host:port or https://host:port, got '" + baseUrl + "'");
        }
        if (maxConnections < 1 || connectTimeoutMs < 1 || requestTimeoutMs < 1 || eventLoops < 0
                || maxFrameBytes < 1024) {
            throw SpoolException.invalid("options", "connections, timeouts and frame size must be positive");
        }
    }

    /** Defaults for this server URL: 32 connections, 10 s connect, 30 s request timeout. */
    public static ClientOptions of(String url) {
        URI uri;
        try {
            uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        } catch (IllegalArgumentException e) {
            throw SpoolException.invalid("url", "not a URL: '" + url + "'");
        }
        return new ClientOptions(uri, 32, false, 10_000, 30_000, 0, 256 << 20, ClientCredentials.NONE);
    }

    /** Whether the URL asks for TLS. */
    boolean tls() {
        return "https".equalsIgnoreCase(baseUrl.getScheme());
    }

    /** The port of the URL, or the scheme's default. */
    int port() {
        return baseUrl.getPort() > 0 ? baseUrl.getPort() : tls() ? 443 : 80;
    }

    /** A copy with another pool size. */
    public ClientOptions withMaxConnections(int v) {
        return new ClientOptions(baseUrl, v, pipelining, connectTimeoutMs, requestTimeoutMs, eventLoops, maxFrameBytes,
                credentials);
    }

    /** A copy with pipelining on or off. */
    public ClientOptions withPipelining(boolean v) {
        return new ClientOptions(baseUrl, maxConnections, v, connectTimeoutMs, requestTimeoutMs, eventLoops, maxFrameBytes,
                credentials);
    }

    /** A copy with another connect timeout. */
    public ClientOptions withConnectTimeoutMs(long v) {
        return new ClientOptions(baseUrl, maxConnections, pipelining, v, requestTimeoutMs, eventLoops, maxFrameBytes,
                credentials);
    }

    /** A copy with another request timeout. */
    public ClientOptions withRequestTimeoutMs(long v) {
        return new ClientOptions(baseUrl, maxConnections, pipelining, connectTimeoutMs, v, eventLoops, maxFrameBytes,
                credentials);
    }

    /** A copy with another number of event loops. */
    public ClientOptions withEventLoops(int v) {
        return new ClientOptions(baseUrl, maxConnections, pipelining, connectTimeoutMs, requestTimeoutMs, v, maxFrameBytes,
                credentials);
    }

    /** A copy with other credentials. */
    public ClientOptions withCredentials(ClientCredentials v) {
        return new ClientOptions(baseUrl, maxConnections, pipelining, connectTimeoutMs, requestTimeoutMs, eventLoops,
                maxFrameBytes, v);
    }

    /** A copy that sends this bearer token on every request and stream. */
    public ClientOptions withToken(String token) {
        return withCredentials(new ClientCredentials(java.util.Optional.of(token), credentials.caFile(),
                credentials.certFile(), credentials.keyFile()));
    }

    /** A copy that verifies the server against the CA certificates of this PEM file. */
    public ClientOptions withCaFile(java.nio.file.Path caFile) {
        return withCredentials(new ClientCredentials(credentials.token(), java.util.Optional.of(caFile),
                credentials.certFile(), credentials.keyFile()));
    }

    /** A copy that presents this client certificate (PEM chain and key) for mutual TLS. */
    public ClientOptions withClientCertificate(java.nio.file.Path certFile, java.nio.file.Path keyFile) {
        return withCredentials(new ClientCredentials(credentials.token(), credentials.caFile(),
                java.util.Optional.of(certFile), java.util.Optional.of(keyFile)));
    }

    /** A copy with another WebSocket message bound. */
    public ClientOptions withMaxFrameBytes(int v) {
        return new ClientOptions(baseUrl, maxConnections, pipelining, connectTimeoutMs, requestTimeoutMs, eventLoops, v,
                credentials);
    }
}
