package dev.spool.client;

import java.net.ConnectException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.streams.ReadStream;

import dev.spool.api.ErrorCode;
import dev.spool.api.SpoolException;

/**
 * Isolation of the network: one Vert.x instance with a pooled keep-alive HTTP/1.1 client and a
 * WebSocket client, turning replies into {@link Reply} values and failures into
 * {@link SpoolException}s. Thread-safe; futures complete on a Vert.x event loop.
 */
final class Transport implements AutoCloseable {
    private final ClientOptions options;
    /** Request/reply over the JDK's client instead of Vert.x's, when chosen (short-lived processes). */
    private final JdkHttp jdk;
    private volatile Vertx vertx;
    private volatile HttpClient http;
    private volatile WebSocketClient ws;
    private volatile boolean closed;
    /** Replies not yet complete: {@link #close()} fails them at once instead of waiting for the server. */
    private final java.util.Set<CompletableFuture<Reply>> pending = java.util.concurrent.ConcurrentHashMap.newKeySet();

    Transport(ClientOptions options) {
        this.options = options;
        this.jdk = JdkHttp.chosen() ? new JdkHttp(options) : null;
        if (jdk == null) {
            startVertx();
        }
    }

    /** Starts Vert.x and its clients: at once by default, on first need with the JDK transport. */
    private synchronized void startVertx() {
        if (vertx != null) {
            return;
        }
        int loops = options.eventLoops() > 0 ? options.eventLoops()
                : Math.min(4, Runtime.getRuntime().availableProcessors());
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops).setWorkerPoolSize(1)
                .setInternalBlockingPoolSize(1));
        HttpClientOptions ho = tls(new HttpClientOptions(), options.credentials())
                .setDefaultHost(options.baseUrl().getHost())
                .setDefaultPort(options.port())
                .setSsl(options.tls())
                .setKeepAlive(true)
                .setPipelining(options.pipelining())
                .setPipeliningLimit(16)
                .setTcpNoDelay(true)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, options.connectTimeoutMs()))
                .setMaxInitialLineLength(8192)
                .setDecompressionSupported(false);
        this.http = vertx.createHttpClient(ho, new PoolOptions().setHttp1MaxSize(options.maxConnections())
                .setMaxWaitQueueSize(-1));
        this.ws = vertx.createWebSocketClient(tls(new WebSocketClientOptions(), options.credentials())
                .setDefaultHost(options.baseUrl().getHost())
                .setDefaultPort(options.port())
                .setSsl(options.tls())
                .setTcpNoDelay(true)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, options.connectTimeoutMs()))
                .setMaxFrameSize(Math.min(options.maxFrameBytes(), 16 << 20))
                .setMaxMessageSize(options.maxFrameBytes()));
    }

    /**
     * Sets the server CA and the client certificate of the credentials on client options, and for
     * https:// BoringSSL as the TLS engine when netty-tcnative is on the class path and loads (it
     * costs a fraction of the JDK's CPU per record), else the JDK's.
     */
    private <T extends io.vertx.core.net.ClientOptionsBase> T tls(T o, ClientCredentials c) {
        if (options.tls() && OpenSSLEngineOptions.isAvailable()) {
            o.setSslEngineOptions(new OpenSSLEngineOptions());
        }
        c.caFile().ifPresent(ca -> o.setTrustOptions(new PemTrustOptions().addCertPath(ca.toString())));
        if (c.certFile().isPresent()) {
            o.setKeyCertOptions(new PemKeyCertOptions().setCertPath(c.certFile().get().toString())
                    .setKeyPath(c.keyFile().orElseThrow().toString()));
        }
        return o;
    }

    /** Sends the bearer token of the credentials, if any. */
    private void authorize(RequestOptions ro) {
        options.credentials().token().ifPresent(t -> ro.putHeader("Authorization", "Bearer " + t));
    }

    /** The Vert.x instance (for timers of the stream consumer), started if it was not. */
    synchronized Vertx vertx() {
        startVertx();
        return vertx;
    }

    /** Whether Vert.x was started (tests of the JDK transport). */
    boolean vertxStarted() {
        return vertx != null;
    }

    private synchronized HttpClient http() {
        startVertx();
        return http;
    }

    ClientOptions options() {
        return options;
    }

    /**
     * A reply with its status, headers and whole body.
     *
     * @param status the HTTP status
     * @param headers the reply headers
     * @param body the body, possibly empty
     */
    record Reply(int status, MultiMap headers, Buffer body) {
    }

    /**
     * Sends a request and reads the whole reply. Replies with a status of 400 or more fail the future
     * with the server's error.
     *
     * @param method the method
     * @param uri path and query
     * @param body the body, or null for none
     * @param contentType its content type, or null
     * @param headers more headers (may be empty)
     * @param waitMs how long the server may legitimately hold the request (long polls)
     */
    CompletableFuture<Reply> send(HttpMethod method, String uri, Buffer body, String contentType,
            Map<String, String> headers, long waitMs) {
        if (closed) {
            return CompletableFuture.failedFuture(new SpoolException(ErrorCode.UNAVAILABLE, "the client is closed"));
        }
        if (jdk != null) {
            return complete(Future.fromCompletionStage(jdk.send(method, uri, body, contentType, headers, waitMs)));
        }
        RequestOptions ro = new RequestOptions().setMethod(method).setURI(uri)
                .setIdleTimeout(options.requestTimeoutMs() + waitMs);
        if (contentType != null) {
            ro.putHeader("Content-Type", contentType);
        }
        authorize(ro);
        for (Map.Entry<String, String> h : headers.entrySet()) {
            ro.putHeader(h.getKey(), h.getValue());
        }
        Future<Reply> f = http.request(ro).compose(req -> (body == null ? req.send() : req.send(body))
                .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b))));
        return complete(f);
    }

    /** Sends a request whose body is a stream of known length (raw pushes of files). */
    CompletableFuture<Reply> sendStream(String uri, ReadStream<Buffer> body, long length, Map<String, String> headers) {
        return sendStream(HttpMethod.POST, uri, body, length, headers);
    }

    /** Sends a request with this method whose body is a stream of known length (files). */
    CompletableFuture<Reply> sendStream(HttpMethod method, String uri, ReadStream<Buffer> body, long length,
            Map<String, String> headers) {
        RequestOptions ro = new RequestOptions().setMethod(method).setURI(uri)
                .setIdleTimeout(options.requestTimeoutMs());
        headers.forEach(ro::putHeader);
        ro.putHeader("Content-Length", Long.toString(length));
        authorize(ro);
        Future<Reply> f = http().request(ro).compose(req -> req.send(body)
                .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b))));
        return complete(f);
    }

    /**
     * Sends a {@code GET} whose successful reply body is written to {@code target} as it arrives,
     * never whole on the heap; the returned reply has an empty body. An error reply is read whole
     * (it is a small JSON error) and fails the future.
     */
    CompletableFuture<Reply> download(String uri, java.nio.file.Path target) {
        if (closed) {
            return CompletableFuture.failedFuture(new SpoolException(ErrorCode.UNAVAILABLE, "the client is closed"));
        }
        RequestOptions ro = new RequestOptions().setMethod(HttpMethod.GET).setURI(uri)
                .setIdleTimeout(options.requestTimeoutMs());
        authorize(ro);
        Vertx v = vertx();
        Future<Reply> f = http().request(ro).compose(req -> req.send().compose(resp -> {
            if (resp.statusCode() >= 300) {
                return resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b));
            }
            resp.pause();
            return v.fileSystem().open(target.toString(), new io.vertx.core.file.OpenOptions().setWrite(true)
                    .setCreate(true).setTruncateExisting(true))
                    .compose(resp::pipeTo)
                    .map(x -> new Reply(resp.statusCode(), resp.headers(), Buffer.buffer()));
        }));
        return complete(f);
    }

    /**
     * Sends a JSON request that the caller may cancel: cancelling the returned future resets the
     * request (an HTTP/1.1 connection is closed), so that the server stops waiting on its behalf.
     * Used for acquires that wait in line.
     */
    CompletableFuture<Reply> sendCancellable(HttpMethod method, String uri, Buffer body, long waitMs) {
        if (closed) {
            return CompletableFuture.failedFuture(new SpoolException(ErrorCode.UNAVAILABLE, "the client is closed"));
        }
        RequestOptions ro = new RequestOptions().setMethod(method).setURI(uri)
                .setIdleTimeout(options.requestTimeoutMs() + waitMs).putHeader("Content-Type", "application/json");
        authorize(ro);
        CompletableFuture<Reply> out = new CompletableFuture<>();
        http.request(ro).onComplete(ar -> {
            if (ar.failed()) {
                out.completeExceptionally(transportError(ar.cause()));
                return;
            }
            var req = ar.result();
            out.whenComplete((r, e) -> {
                if (out.isCancelled()) {
                    req.reset();
                }
            });
            complete(req.send(body).compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b))))
                    .whenComplete((r, e) -> {
                        if (e != null) {
                            out.completeExceptionally(e);
                        } else {
                            out.complete(r);
                        }
                    });
        });
        return out;
    }

    /** Opens the {@code /v1/stream} WebSocket. */
    CompletableFuture<WebSocket> openStream() {
        if (closed) {
            return CompletableFuture.failedFuture(new SpoolException(ErrorCode.UNAVAILABLE, "the client is closed"));
        }
        WebSocketConnectOptions o = new WebSocketConnectOptions().setURI("/v1/stream")
                .setHost(options.baseUrl().getHost()).setPort(options.port()).setSsl(options.tls())
                .setTimeout(options.connectTimeoutMs());
        options.credentials().token().ifPresent(t -> o.addHeader("Authorization", "Bearer " + t));
        CompletableFuture<WebSocket> out = new CompletableFuture<>();
        vertx();
        ws.connect(o).onComplete(ar -> {
            if (ar.succeeded()) {
                out.complete(ar.result());
            } else {
                out.completeExceptionally(transportError(ar.cause()));
            }
        });
        return out;
    }

    private CompletableFuture<Reply> complete(Future<Reply> f) {
        CompletableFuture<Reply> out = new CompletableFuture<>();
        pending.add(out);
        out.whenComplete((r, e) -> pending.remove(out));
        if (closed) {
            out.completeExceptionally(new SpoolException(ErrorCode.UNAVAILABLE, "the client is closed"));
        }
        f.onComplete(ar -> {
            if (ar.failed()) {
                out.completeExceptionally(transportError(ar.cause()));
                return;
            }
            Reply r = ar.result();
            if (r.status() >= 400) {
                out.completeExceptionally(JsonCodec.error(r));
            } else {
                out.complete(r);
            }
        });
        return out;
    }

    /**
     * A failure below HTTP: {@code unavailable} with the cause attached. A client-side failure is
     * recognisable by having a cause; errors sent by the server have none.
     */
    SpoolException transportError(Throwable t) {
        if (t instanceof SpoolException se) {
            return se;
        }
        String where = options.baseUrl().toString();
        javax.net.ssl.SSLException tls = tlsFailure(t);
        if (tls != null) {
            return SpoolException.unavailable("TLS with " + where + " failed: " + tlsReason(tls)
                    + " (check --cacert, --cert and --cert-key)", t);
        }
        String msg = t instanceof ConnectException
                ? "cannot connect to " + where + ": " + t.getMessage()
                : "request to " + where + " failed: " + t;
        return SpoolException.unavailable(msg, t);
    }

    /** The TLS failure in {@code t}'s causes, or null. */
    private static javax.net.ssl.SSLException tlsFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof javax.net.ssl.SSLException s) {
                return s;
            }
        }
        return null;
    }

    /**
     * What went wrong in a TLS failure, in one line: the JDK's message names internal classes
     * ({@code sun.security...SunCertPathBuilderException}) and may span several causes.
     */
    private static String tlsReason(javax.net.ssl.SSLException e) {
        Throwable root = e;
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof java.security.cert.CertPathBuilderException
                    || String.valueOf(c.getMessage()).startsWith("PKIX path")) {
                return "the server's certificate is not signed by a trusted CA";
            }
            if (c.getMessage() != null) {
                root = c;
            }
        }
        String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        int eol = m.indexOf('\n');
        return eol < 0 ? m : m.substring(0, eol);
    }

    /** Whether a failure means the server could not be reached at all (nothing was sent). */
    static boolean isConnectFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ConnectException) {
                return true;
            }
        }
        return false;
    }

    /** Whether the server itself answered with this retryable code (so nothing was applied). */
    static boolean isServerRetryable(Throwable t) {
        return t instanceof SpoolException se && se.getCause() == null
                && (se.code() == ErrorCode.TOO_MANY_REQUESTS || se.code() == ErrorCode.UNAVAILABLE);
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // a long poll (a waiting pop or task view) would otherwise hold close() until the server answers
        for (CompletableFuture<Reply> p : List.copyOf(pending)) {
            p.completeExceptionally(new SpoolException(ErrorCode.UNAVAILABLE, "the client is closed"));
        }
        if (jdk != null) {
            jdk.close();
        }
        Vertx started;
        synchronized (this) {
            started = vertx;
        }
        if (started == null) {
            return;
        }
        try {
            started.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw SpoolException.unavailable("client did not close in time", e);
        }
    }
}
