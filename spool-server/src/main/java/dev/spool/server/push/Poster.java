package dev.spool.server.push;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.BiConsumer;

import io.netty.buffer.Unpooled;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;

import dev.spool.api.Delivery;
import dev.spool.api.MessageBody;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;

/**
 * One delivery attempt: resolve and check the target, sign, POST the payload (streamed), classify
 * the answer. Isolation of the external relationship with the endpoint: nothing here touches the
 * broker. Runs on the worker's context; blocking steps (DNS, signing a large payload) run on
 * worker threads.
 */
final class Poster {
    /** Bytes of an error response body kept for the dead-letter reason. */
    static final int REASON_BYTES = 256;
    /** Longest {@code Retry-After} honoured. */
    static final long MAX_RETRY_AFTER_MS = 3_600_000;
    /** Prefix of the message's application headers in the request. */
    static final String HEADER_PREFIX = "Spool-Header-";

    private static final io.vertx.core.Handler<Buffer> IGNORE = b -> { };
    /** Headers of a request sent from a file: names and values checked as Vert.x's client checks them. */
    private static final io.netty.handler.codec.http.DefaultHttpHeadersFactory HEADERS =
            io.netty.handler.codec.http.DefaultHttpHeadersFactory.headersFactory().withValueValidation(true);

    private final Context ctx;
    private final HttpClient client;
    private final PushConfig config;
    private final PushTargets targets;
    private final Signer signer;
    private final String queue;
    private final InetAddress literal;
    private final Deadlines deadlines;
    /** The server address of an IP literal target, made once rather than per request. */
    private final SocketAddress literalServer;
    private final FileSender files;
    /** Whether {@link #files} sends what it can; off only in tests of the streamed path (which TLS targets take). */
    boolean sendFiles = true;
    /** The Host header of a request sent by {@link #files} or {@link #pool}. */
    private final String hostHeader;
    /** Keep-alive connections for small requests to a plain-HTTP target, or null (Vert.x's client sends all). */
    private final Connections pool;
    /** The fixed part of a request sent by {@link #pool}; null with no pool or headers it cannot send. */
    private final RequestHead head;
    /** The server of an IP literal target for {@link #pool}. */
    private final java.net.InetSocketAddress literalSocket;

    /** A poster whose requests all go through Vert.x's client (and {@link FileSender}). */
    Poster(Context ctx, HttpClient client, PushConfig config, PushTargets targets, String queue) {
        this(ctx, client, config, targets, queue, null);
    }

    /**
     * A poster that sends small in-memory payloads to a plain-HTTP target over {@code pool}
     * (owned by the caller, who closes it), the rest through Vert.x's client.
     */
    Poster(Context ctx, HttpClient client, PushConfig config, PushTargets targets, String queue, Connections pool) {
        this.ctx = ctx;
        this.client = client;
        this.config = config;
        this.targets = targets;
        this.signer = new Signer(config.secrets());
        this.queue = queue;
        this.literal = address(config.url().getHost());
        this.deadlines = new Deadlines(ctx.owner(), config.timeoutMs());
        this.literalServer = literal == null ? null
                : SocketAddress.inetSocketAddress(config.port(), literal.getHostAddress());
        this.files = new FileSender(ctx, (int) config.timeoutMs());
        this.hostHeader = config.url().getHost() + (config.port() == 80 ? "" : ":" + config.port());
        boolean plainHttp = "http".equalsIgnoreCase(config.url().getScheme());
        this.pool = plainHttp ? pool : null;
        this.head = this.pool == null ? null : RequestHead.of(config.pathAndQuery(), hostHeader, this::fixedHeaders,
                io.netty.buffer.ByteBufAllocator.DEFAULT).orElse(null);
        this.literalSocket = literal == null ? null : new java.net.InetSocketAddress(literal, config.port());
    }

    /** The host as an address when it is an IP literal, else null (a name, resolved before each attempt). */
    private static InetAddress address(String host) {
        byte[] b = PushTargets.literal(host);
        try {
            return b == null ? null : InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private record Prepared(InetAddress address, String signature, long timestamp) {
    }

    /** Attempts one delivery; never fails (every failure is an {@link Outcome}). */
    Future<Outcome> post(Delivery d, Optional<String> traceparent) {
        Promise<Outcome> done = Promise.promise();
        String host = config.url().getHost();
        MessageBody body = d.body();
        if (literal != null && (!signer.signs() || body.payload() instanceof Payload.Inline)) {
            // an address (nothing to resolve) and a payload in memory: no blocking step, no thread hop
            try {
                targets.check(host, new InetAddress[] {literal}, "url");
                long ts = System.currentTimeMillis() / 1000;
                String sig = signer.signs() ? signer.sign(d.idString(), ts, body.payload()) : null;
                send(d, traceparent, new Prepared(literal, sig, ts), done);
            } catch (SpoolException | java.io.IOException e) {
                done.tryComplete(new Outcome.Retry(0, e.getMessage(), OptionalLong.empty()));
            }
            return done.future();
        }
        ctx.<Prepared>executeBlocking(() -> {
            InetAddress[] all = InetAddress.getAllByName(host.startsWith("[") ? host.substring(1, host.length() - 1)
                    : host);
            targets.check(host, all, "url");
            long ts = System.currentTimeMillis() / 1000;
            String sig = signer.signs() ? signer.sign(d.idString(), ts, body.payload()) : null;
            return new Prepared(all[0], sig, ts);
        }, false).onComplete(ar -> {
            if (ar.failed()) {
                Throwable e = ar.cause();
                String why = e instanceof UnknownHostException ? "cannot resolve " + host
                        : e instanceof SpoolException se ? se.getMessage() : "cannot prepare request: " + e;
                done.tryComplete(new Outcome.Retry(0, why, OptionalLong.empty()));
                return;
            }
            send(d, traceparent, ar.result(), done);
        });
        return done.future();
    }

    private void send(Delivery d, Optional<String> traceparent, Prepared p, Promise<Outcome> done) {
        MessageBody body = d.body();
        if (sendFiles && FileSender.applies(config, body.payload())) {
            // a large plain payload in a journal segment: straight from the file to the socket
            io.netty.handler.codec.http.HttpHeaders h = HEADERS.newHeaders();
            try {
                headers(d, traceparent, p, h::add);
            } catch (IllegalArgumentException e) {
                done.tryComplete(new Outcome.Retry(0, "request failed: " + describe(e), OptionalLong.empty()));
                return;
            }
            files.send(new java.net.InetSocketAddress(p.address(), config.port()), hostHeader, config.pathAndQuery(),
                    h, (Payload.FileRegion) body.payload(), deadlines, done);
            return;
        }
        if (head != null && body.payload() instanceof Payload.Inline inline && inline.size() <= PayloadStream.CHUNK) {
            // a small payload in memory to a plain-HTTP target: one buffer on a kept-alive connection
            io.netty.buffer.ByteBuf request = head.encode(inline.bytes(), put -> ownHeaders(d, traceparent, p, put));
            if (request != null) {
                pool.send(p.address() == literal ? literalSocket : new java.net.InetSocketAddress(p.address(),
                        config.port()), request, deadlines, done);
                return;
            }
        }
        RequestOptions opts = new RequestOptions().setMethod(HttpMethod.POST).setHost(config.url().getHost())
                .setPort(config.port()).setURI(config.pathAndQuery())
                .setSsl("https".equalsIgnoreCase(config.url().getScheme()))
                .setServer(p.address() == literal ? literalServer
                        : SocketAddress.inetSocketAddress(config.port(), p.address().getHostAddress()))
                .setConnectTimeout(config.timeoutMs());
        // no idle timeout: the attempt's own deadline below ends it at timeout_ms from the start,
        // before any idle timer could
        headers(d, traceparent, p, opts::putHeader);
        opts.putHeader("Content-Length", Long.toString(body.payload().size()));
        PayloadStream[] stream = new PayloadStream[1];
        HttpClientRequest[] request = new HttpClientRequest[1];
        Deadlines.Entry timer = deadlines.add(() -> {
            if (done.tryComplete(new Outcome.Retry(0, "timed out after " + config.timeoutMs() + " ms",
                    OptionalLong.empty()))) {
                finish(stream[0]);
                if (request[0] != null) {
                    request[0].reset();
                }
            }
        });
        client.request(opts).compose(req -> {
            if (done.future().isComplete()) {
                // timed out while waiting for a connection: do not send what was already given up
                req.reset();
                return Future.failedFuture("timed out");
            }
            request[0] = req;
            // failures reach the send future below; without a handler Vert.x would also log each one
            req.exceptionHandler(e -> { });
            Payload payload = body.payload();
            if (payload instanceof Payload.Inline inline && inline.size() <= PayloadStream.CHUNK) {
                // wrapped, not copied: the netty encoder copies it once into the socket's buffer
                return req.send(Buffer.buffer(Unpooled.wrappedBuffer(inline.bytes())));
            }
            stream[0] = new PayloadStream(ctx, payload, req);
            stream[0].start().onFailure(e -> req.reset());
            return req.response();
        }).onComplete(ar -> {
            finish(stream[0]);
            if (ar.failed()) {
                deadlines.settle(timer);
                done.tryComplete(new Outcome.Retry(0, "request failed: " + describe(ar.cause()), OptionalLong.empty()));
                return;
            }
            read(ar.result(), done, timer);
        });
    }

    /** Every header of a request but Host, Connection and Content-Length. */
    private void headers(Delivery d, Optional<String> traceparent, Prepared p, BiConsumer<String, String> put) {
        fixedHeaders(put);
        ownHeaders(d, traceparent, p, put);
    }

    /** The headers that are the same for every request of this poster. */
    private void fixedHeaders(BiConsumer<String, String> put) {
        for (Map.Entry<String, String> h : config.headers().entrySet()) {
            put.accept(h.getKey(), h.getValue());
        }
        put.accept("Spool-Queue", queue);
    }

    /** The headers of one delivery and attempt. */
    private void ownHeaders(Delivery d, Optional<String> traceparent, Prepared p, BiConsumer<String, String> put) {
        MessageBody body = d.body();
        put.accept("Content-Type", body.contentType());
        put.accept("Spool-Message-Id", d.idString());
        put.accept("Spool-Attempt", Integer.toString(d.attempts()));
        body.key().ifPresent(k -> put.accept("Spool-Key", k));
        traceparent.or(body::traceparent).ifPresent(t -> put.accept("traceparent", t));
        forwardHeaders(body, put);
        if (p.signature() != null) {
            put.accept("webhook-id", d.idString());
            put.accept("webhook-timestamp", Long.toString(p.timestamp()));
            put.accept("webhook-signature", p.signature());
        }
    }

    private void read(HttpClientResponse resp, Promise<Outcome> done, Deadlines.Entry timer) {
        int status = resp.statusCode();
        // a 2xx body is not read (only its end counts); the first bytes of another answer become the reason
        Buffer head = status >= 200 && status < 300 ? null : Buffer.buffer(REASON_BYTES);
        resp.handler(head == null ? IGNORE : b -> {
            if (head.length() < REASON_BYTES) {
                head.appendBuffer(b, 0, Math.min(b.length(), REASON_BYTES - head.length()));
            }
        });
        resp.exceptionHandler(e -> {
            deadlines.settle(timer);
            done.tryComplete(new Outcome.Retry(status, "response failed: " + describe(e), OptionalLong.empty()));
        });
        resp.endHandler(v -> {
            deadlines.settle(timer);
            done.tryComplete(classify(status, resp.getHeader("Retry-After"),
                    head == null ? "" : head.toString(StandardCharsets.UTF_8)));
        });
    }

    /**
     * The message's application headers as {@code Spool-Header-<name>} (as a raw pop answers them),
     * values outside printable ASCII or holding {@code %} percent-encoded (UTF-8) and named in
     * {@code Spool-Encoded}; its {@code tracestate} also as the W3C header when it has a traceparent.
     */
    static void forwardHeaders(MessageBody body, BiConsumer<String, String> put) {
        StringBuilder encoded = new StringBuilder();
        String state = body.headers().get("tracestate");
        if (state != null && body.traceparent().isPresent()) {
            put.accept("tracestate", ascii("tracestate", state, encoded));
        }
        for (Map.Entry<String, String> e : body.headers().entrySet()) {
            String name = HEADER_PREFIX + e.getKey();
            put.accept(name, ascii(name, e.getValue(), encoded));
        }
        if (!encoded.isEmpty()) {
            put.accept("Spool-Encoded", encoded.toString());
        }
    }

    private static String ascii(String name, String value, StringBuilder encoded) {
        boolean plain = true;
        for (int i = 0; i < value.length() && plain; i++) {
            char c = value.charAt(i);
            plain = c >= 0x20 && c < 0x7f && c != '%';
        }
        if (plain) {
            return value;
        }
        encoded.append(encoded.isEmpty() ? "" : ", ").append(name.toLowerCase(java.util.Locale.ROOT));
        StringBuilder out = new StringBuilder();
        for (byte x : value.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return out.toString();
    }

    static Outcome classify(int status, String retryAfter, String bodyHead) {
        if (status >= 200 && status < 300) {
            return new Outcome.Delivered(status);
        }
        String reason = "http " + status + (bodyHead.isEmpty() ? "" : ": " + bodyHead.strip());
        if (status == 408 || status == 429 || status >= 500) {
            // Retry-After means "come back then" only with 429 and 503 (RFC 9110, 10.2.3)
            boolean honoured = status == 429 || status == 503;
            return new Outcome.Retry(status, reason, honoured ? retryAfter(retryAfter) : OptionalLong.empty());
        }
        return new Outcome.Dead(status, reason);
    }

    /** {@code Retry-After} as delay-seconds or an HTTP date, capped; empty if absent or bad. */
    static OptionalLong retryAfter(String v) {
        if (v == null || v.isBlank()) {
            return OptionalLong.empty();
        }
        String s = v.strip();
        try {
            if (s.chars().allMatch(Character::isDigit)) {
                return OptionalLong.of(Math.min(MAX_RETRY_AFTER_MS, Long.parseLong(s.length() > 9 ? "999999999" : s)
                        * 1000));
            }
            long at = ZonedDateTime.parse(s, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
            return OptionalLong.of(Math.max(0, Math.min(MAX_RETRY_AFTER_MS, at - System.currentTimeMillis())));
        } catch (DateTimeParseException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private void finish(PayloadStream s) {
        if (s != null) {
            s.finish();
        }
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
