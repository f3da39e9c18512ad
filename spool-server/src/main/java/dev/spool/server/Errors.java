package dev.spool.server;

import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spool.api.ErrorCode;
import dev.spool.api.SpoolException;

/**
 * Maps every failure to the documented error reply {@code {"error":{"code","message","field"}}}
 * and its HTTP status (DESIGN §3).
 *
 * <p>Isolates what may reach a client: a {@link SpoolException} keeps its code, message and field;
 * malformed JSON becomes {@code bad_request}; anything unexpected becomes {@code internal} with a
 * generic message, and only its stack trace goes to the server log. Messages never quote payloads.
 */
final class Errors {
    private static final Logger LOG = LoggerFactory.getLogger(Errors.class);

    private Errors() {
    }

    /** The {@link SpoolException} a failure stands for. */
    static SpoolException toSpool(Throwable t) {
        return toSpool(t, null);
    }

    /** The same, logging an unexpected failure with the id of the request it failed (may be null). */
    static SpoolException toSpool(Throwable t, String requestId) {
        Throwable e = unwrap(t);
        if (e instanceof SpoolException s) {
            return s;
        }
        if (e instanceof StreamConstraintsException c) {
            return new SpoolException(ErrorCode.BAD_REQUEST, "JSON too large or too deep: " + c.getOriginalMessage());
        }
        if (e instanceof JsonProcessingException j) {
            return new SpoolException(ErrorCode.BAD_REQUEST, "malformed JSON: " + firstLine(j.getOriginalMessage()));
        }
        if (e instanceof java.io.CharConversionException) {
            // Jackson's encoding detection: the body's bytes are not text in a JSON encoding
            return new SpoolException(ErrorCode.BAD_REQUEST, "malformed JSON: not UTF-8, UTF-16 or UTF-32 text");
        }
        if (e instanceof RejectedExecutionException) {
            return SpoolException.tooMany("server busy", 1000);
        }
        if (e instanceof UnsupportedOperationException) {
            return new SpoolException(ErrorCode.NOT_IMPLEMENTED, "not implemented by this storage");
        }
        if (e instanceof IOException) {
            return SpoolException.unavailable("I/O error", e);
        }
        LOG.atError().setCause(e).addKeyValue(RequestIds.KEY, requestId).log("unexpected failure");
        return SpoolException.internal("internal error", e);
    }

    static Throwable unwrap(Throwable t) {
        Throwable e = t;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }

    /** The error document of an exception. */
    static Buffer body(SpoolException e) {
        return Json.render(g -> write(g, e));
    }

    /** Writes {@code {"error":{...}}}. */
    static void write(com.fasterxml.jackson.core.JsonGenerator g, SpoolException e) throws IOException {
        g.writeStartObject();
        g.writeFieldName("error");
        writeInner(g, e);
        g.writeEndObject();
    }

    /** Writes the inner {@code {"code","message","field","op_index"}} object. */
    static void writeInner(com.fasterxml.jackson.core.JsonGenerator g, SpoolException e) throws IOException {
        writeInner(g, e, null);
    }

    /** The same with {@code request_id} when {@code requestId} is not null. */
    static void writeInner(com.fasterxml.jackson.core.JsonGenerator g, SpoolException e, String requestId)
            throws IOException {
        g.writeStartObject();
        g.writeStringField("code", e.code().id());
        g.writeStringField("message", e.getMessage() == null ? e.code().id() : e.getMessage());
        if (e.field().isPresent()) {
            g.writeStringField("field", e.field().get());
        }
        if (e.opIndex().isPresent()) {
            g.writeNumberField("op_index", e.opIndex().getAsInt());
        }
        if (requestId != null) {
            g.writeStringField(RequestIds.KEY, requestId);
        }
        g.writeEndObject();
    }

    /** Sends the error reply for a failure, unless the response is already gone. */
    static Future<Void> send(HttpServerResponse resp, Throwable t) {
        String requestId = RequestIds.of(resp);
        SpoolException e = toSpool(t, requestId);
        if (resp.ended() || resp.closed()) {
            return Future.succeededFuture();
        }
        if (resp.headWritten()) {
            // Part of a streamed reply is out: nothing coherent can follow, so cut the exchange.
            resp.reset();
            return Future.succeededFuture();
        }
        int status = e.code().httpStatus();
        resp.setStatusCode(status);
        resp.putHeader("Content-Type", "application/json");
        if (status == 429 || status == 503) {
            long ms = e.retryAfterMs().orElse(1000);
            resp.putHeader("Retry-After", Long.toString(Math.max(1, (ms + 999) / 1000)));
        }
        return resp.end(Json.render(g -> {
            g.writeStartObject();
            g.writeFieldName("error");
            writeInner(g, e, requestId);
            g.writeEndObject();
        }));
    }
}
