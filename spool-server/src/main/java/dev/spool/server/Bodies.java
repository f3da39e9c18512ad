package dev.spool.server;

import java.io.IOException;
import java.util.function.Consumer;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;

import dev.spool.api.ErrorCode;
import dev.spool.api.SpoolException;
import dev.spool.server.edge.BodyBudget;
import dev.spool.server.edge.BodyDeadline;

/**
 * Reads request bodies within their bound: a declared {@code Content-Length} over the bound is
 * refused with 413 before a byte of the body is read, a chunked body is cut off at the bound, and
 * an upload that ends early (client gone) changes nothing.
 *
 * <p>A refusal before the body was read closes an HTTP/1.1 connection after the reply, because the
 * unread body would otherwise be taken for the next request.
 */
final class Bodies {
    /** Most bytes of a refused body read and dropped so the client sees the reply. */
    static final long SWALLOW_BYTES = 4L << 20;
    /** Most bytes allocated for a body before any arrived. */
    private static final int INITIAL_BYTES = 16 * 1024;
    /** Longest a refused body is read and dropped before the connection is closed. */
    private static final long SWALLOW_MS = 10_000;

    private Bodies() {
    }

    /** A JSON body parser step. */
    @FunctionalInterface
    interface JsonStep {
        void accept(JsonIn in) throws IOException;
    }

    /**
     * Reads a JSON body (possibly empty) and hands it to {@code onBody}; failures of the step
     * become error replies.
     */
    static void readJson(Api api, RoutingContext rc, Consumer<Buffer> onBody) {
        HttpServerRequest req = rc.request();
        String ct = req.getHeader("Content-Type");
        if (ct != null && !Json.isJsonMedia(ct)) {
            refuse(rc, new SpoolException(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                    "this endpoint takes application/json"));
            return;
        }
        read(api, rc, api.maxRequestBytes(), onBody);
    }

    /**
     * Reads a body of any type up to {@code max} bytes on the heap. Each chunk is taken from the
     * server's body budget before it is kept (nothing is reserved from a declared length); a chunk
     * that does not fit refuses the request with 429. What was taken is given back when the
     * request's exchange ends, however it ends. A body that stalls past {@code body-timeout-ms}
     * is refused with 400 and its connection closed.
     */
    static void read(Api api, RoutingContext rc, long max, Consumer<Buffer> onBody) {
        HttpServerRequest req = rc.request();
        long declared;
        try {
            declared = contentLength(req);
        } catch (SpoolException e) {
            refuse(rc, e);
            return;
        }
        if (declared > max) {
            refuse(rc, tooLarge(max));
            return;
        }
        if (req.isEnded()) {
            deliver(rc, Buffer.buffer(), onBody);
            return;
        }
        continueIfExpected(req);
        BodyBudget budget = api.bodyBudget;
        // grows as bytes arrive: a declared length is a claim, not a reason to allocate
        Buffer acc = Buffer.buffer((int) Math.min(declared > 0 ? declared : 256, INITIAL_BYTES));
        long[] held = {0};
        boolean[] aborted = {false};
        rc.addEndHandler(v -> {
            budget.release(held[0]);
            held[0] = 0;
        });
        BodyDeadline deadline = BodyDeadline.watch(api.vertx, req, api.config.edge().bodyTimeoutMs(), () -> {
            aborted[0] = true;
            cutOff(rc, new SpoolException(ErrorCode.BAD_REQUEST, "request body arrived too slowly"));
        });
        req.handler(chunk -> {
            if (aborted[0]) {
                return;
            }
            if (acc.length() + (long) chunk.length() > max) {
                aborted[0] = true;
                deadline.cancel();
                refuse(rc, tooLarge(max));
                return;
            }
            if (!budget.tryAcquire(chunk.length())) {
                aborted[0] = true;
                deadline.cancel();
                refuse(rc, SpoolException.tooMany("request bodies in flight are over the server's budget", 1000),
                        true);
                return;
            }
            held[0] += chunk.length();
            acc.appendBuffer(chunk);
        });
        req.exceptionHandler(e -> {
            aborted[0] = true;
            deadline.cancel();
            Errors.send(rc.response(), new SpoolException(ErrorCode.BAD_REQUEST, "request body incomplete"));
        });
        req.endHandler(v -> {
            deadline.cancel();
            if (!aborted[0]) {
                deliver(rc, acc, onBody);
            }
        });
        req.resume();
    }

    private static void deliver(RoutingContext rc, Buffer body, Consumer<Buffer> onBody) {
        try {
            onBody.accept(body);
        } catch (RuntimeException e) {
            Errors.send(rc.response(), e);
        }
    }

    /**
     * Parses a JSON body with {@code step}; an empty body reads as {@code {}}. The body is in
     * memory, so any I/O failure of the parser is the body's fault (an encoding Jackson cannot
     * read): {@code bad_request}, never a 503.
     */
    static void parse(Buffer body, JsonStep step) {
        Buffer json = body.length() == 0 ? Buffer.buffer("{}") : body;
        var buf = json.getByteBuf();
        try (var parser = Json.parser(json)) {
            // payloads are sliced from the body as written, not parsed and generated again
            step.accept(buf.hasArray() ? new JsonIn(parser, buf.array(), buf.arrayOffset() + buf.readerIndex(),
                    buf.readableBytes()) : new JsonIn(parser));
        } catch (IOException e) {
            SpoolException s = Errors.toSpool(e);
            throw s.code() == ErrorCode.UNAVAILABLE
                    ? new SpoolException(ErrorCode.BAD_REQUEST, "malformed JSON: unreadable body") : s;
        }
    }

    /** The declared body length, or -1 when none (chunked or absent). */
    static long contentLength(HttpServerRequest req) {
        String cl = req.getHeader("Content-Length");
        if (cl == null) {
            return -1;
        }
        try {
            long v = Long.parseLong(cl.strip());
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new SpoolException(ErrorCode.BAD_REQUEST, "malformed Content-Length");
        }
    }

    static SpoolException tooLarge(long max) {
        return new SpoolException(ErrorCode.PAYLOAD_TOO_LARGE, "request body exceeds " + max + " bytes");
    }

    /** Answers 100 Continue when the client waits for it before sending the body. */
    static void continueIfExpected(HttpServerRequest req) {
        String expect = req.getHeader("Expect");
        if (expect != null && expect.equalsIgnoreCase("100-continue") && req.version() != HttpVersion.HTTP_1_0) {
            req.response().writeContinue();
        }
    }

    /**
     * Refuses a request whose body may not have been read: sends the error, then closes an
     * HTTP/1.x connection so the unread bytes are not taken for a next request.
     */
    static void refuse(RoutingContext rc, SpoolException e) {
        refuse(rc, e, false);
    }

    /** Refuses a request; with {@code close}, the HTTP/1.x connection is closed in any case. */
    static void refuse(RoutingContext rc, SpoolException e, boolean close) {
        HttpServerRequest req = rc.request();
        HttpServerResponse resp = rc.response();
        boolean http1 = req.version() != HttpVersion.HTTP_2;
        boolean pending = !req.isEnded();
        boolean closeConn = http1 && (close || pending);
        if (closeConn && !resp.headWritten()) {
            resp.putHeader("Connection", "close");
        }
        Future<Void> sent = Errors.send(resp, e);
        if (!closeConn) {
            return;
        }
        if (pending && swallowable(req)) {
            swallow(req);
        } else {
            sent.onComplete(v -> req.connection().close());
        }
    }

    /**
     * Refuses a request and drops its connection (HTTP/1.x) or stream (HTTP/2) at once, without
     * reading the rest of its body: for a client that sends its body too slowly to be waited for.
     */
    static void cutOff(RoutingContext rc, SpoolException e) {
        HttpServerRequest req = rc.request();
        HttpServerResponse resp = rc.response();
        boolean http1 = req.version() != HttpVersion.HTTP_2;
        if (http1 && !resp.headWritten()) {
            resp.putHeader("Connection", "close");
        }
        req.handler(null);
        Errors.send(resp, e).onComplete(v -> {
            if (http1) {
                req.connection().close();
            } else if (!req.isEnded()) {
                resp.reset();
            }
        });
    }

    /** Whether the unread rest of the body is small enough to read and drop (declared, or unknown). */
    private static boolean swallowable(HttpServerRequest req) {
        long declared;
        try {
            declared = contentLength(req);
        } catch (SpoolException e) {
            return false;
        }
        return declared < 0 || declared - req.bytesRead() <= SWALLOW_BYTES;
    }

    /**
     * Reads and drops the rest of a refused body (at most {@link #SWALLOW_BYTES}), then closes the
     * connection. Most HTTP/1.1 clients read the reply only after sending their whole body; without
     * this they would see a reset instead of the 413 or 400.
     */
    private static void swallow(HttpServerRequest req) {
        long[] dropped = {0};
        // a refused client gets a bounded time to finish sending, not the idle timeout
        Context ctx = Vertx.currentContext();
        if (ctx != null) {
            ctx.owner().setTimer(SWALLOW_MS, t -> req.connection().close());
        }
        req.handler(chunk -> {
            dropped[0] += chunk.length();
            if (dropped[0] > SWALLOW_BYTES) {
                req.connection().close();
            }
        });
        req.exceptionHandler(x -> req.connection().close());
        req.endHandler(v -> req.connection().close());
        req.resume();
    }
}
