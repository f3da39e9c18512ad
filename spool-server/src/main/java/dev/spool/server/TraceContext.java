package dev.spool.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.vertx.core.MultiMap;

import dev.spool.api.MessageBody;
import dev.spool.api.NewMessage;
import dev.spool.api.SpoolException;
import dev.spool.api.Validation;

/**
 * W3C trace context on messages. A message's {@code traceparent} is a field of the model; its
 * {@code tracestate} (vendor data that travels with the traceparent) is kept as the application
 * header {@value #TRACESTATE}, so every backend stores it without a schema change and every
 * delivery form returns it: JSON pops and stream frames in {@code headers}, raw pops as the
 * standard {@code tracestate} header. A JSON push takes the request's {@code traceparent} and
 * {@code tracestate} HTTP headers for each message that carries no traceparent of its own.
 */
final class TraceContext {
    /** The application header that keeps a message's tracestate, and the W3C header name. */
    static final String TRACESTATE = "tracestate";
    /** The W3C traceparent header. */
    static final String TRACEPARENT = "traceparent";
    /** W3C: at most 32 list members; 512 characters is the size every vendor must accept. */
    private static final int MAX_TRACESTATE_CHARS = 512;

    private TraceContext() {
    }

    /** Checks a tracestate value: 1–512 printable ASCII characters. */
    static String checkTracestate(String field, String v) {
        if (v.isEmpty() || v.length() > MAX_TRACESTATE_CHARS) {
            throw SpoolException.invalid(field, "a W3C tracestate of 1 to " + MAX_TRACESTATE_CHARS + " characters");
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw SpoolException.invalid(field, "a W3C tracestate holds printable ASCII only");
            }
        }
        return v;
    }

    /** The headers with the tracestate added; a different tracestate already in them is an error. */
    static Map<String, String> withTracestate(Map<String, String> headers, String tracestate, String field) {
        String existing = headers.get(TRACESTATE);
        if (existing != null && !existing.equals(tracestate)) {
            throw SpoolException.invalid(field, "tracestate given twice with different values");
        }
        Map<String, String> out = new LinkedHashMap<>(headers);
        out.put(TRACESTATE, checkTracestate(field, tracestate));
        return out;
    }

    /**
     * The messages of a JSON push with the request's trace context: each message without its own
     * traceparent takes the request's {@code traceparent} (and {@code tracestate}, unless it has one).
     */
    static List<NewMessage> inherit(List<NewMessage> messages, MultiMap requestHeaders) {
        String parent = requestHeaders.get(TRACEPARENT);
        if (parent == null) {
            return messages;
        }
        Validation.traceparent(TRACEPARENT, parent.strip());
        String state = requestHeaders.get(TRACESTATE);
        if (state != null) {
            checkTracestate(TRACESTATE, state.strip());
        }
        List<NewMessage> out = new ArrayList<>(messages.size());
        for (NewMessage m : messages) {
            MessageBody b = m.body();
            if (b.traceparent().isPresent()) {
                out.add(m);
                continue;
            }
            Map<String, String> headers = state == null || b.headers().containsKey(TRACESTATE) ? b.headers()
                    : withTracestate(b.headers(), state.strip(), TRACESTATE);
            MessageBody traced = new MessageBody(b.payload(), b.contentType(), headers, b.key(), b.priority(),
                    Optional.of(parent.strip()));
            out.add(new NewMessage(traced, m.delayMs(), m.notBeforeMs(), m.ttlMs(), m.dedupId()));
        }
        return out;
    }
}
