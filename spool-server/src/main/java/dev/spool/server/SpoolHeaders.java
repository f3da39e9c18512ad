package dev.spool.server;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.vertx.core.MultiMap;

import dev.spool.api.Delivery;
import dev.spool.api.MessageBody;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;
import dev.spool.api.Validation;

/**
 * Message metadata carried in {@code Spool-*} HTTP headers by raw pushes and raw pops, where the
 * body is the payload itself.
 *
 * <p>Header values are ASCII. On the way out, a key or header value with other characters is
 * percent-encoded (UTF-8) and its header name is listed in {@code Spool-Encoded}.
 */
final class SpoolHeaders {
    static final String KEY = "Spool-Key";
    static final String PRIORITY = "Spool-Priority";
    static final String DELAY_MS = "Spool-Delay-Ms";
    static final String NOT_BEFORE = "Spool-Not-Before";
    static final String TTL_MS = "Spool-Ttl-Ms";
    static final String DEDUP_ID = "Spool-Dedup-Id";
    static final String TRACEPARENT = "Spool-Traceparent";
    static final String TRACESTATE = "Spool-Tracestate";
    static final String HEADER_PREFIX = "Spool-Header-";
    static final String ID = "Spool-Id";
    static final String RECEIPT = "Spool-Receipt";
    static final String ATTEMPTS = "Spool-Attempts";
    static final String ENQUEUED_AT = "Spool-Enqueued-At";
    static final String LEASE_EXPIRES_AT = "Spool-Lease-Expires-At";
    static final String ENCODED = "Spool-Encoded";
    private static final String SPOOL_PREFIX = "Spool-";
    /** The {@code Spool-*} request headers a raw push understands (lower case), besides Spool-Header-*. */
    private static final java.util.Set<String> PUSH_HEADERS = java.util.Set.of("spool-key", "spool-priority",
            "spool-delay-ms", "spool-not-before", "spool-ttl-ms", "spool-dedup-id", "spool-traceparent",
            "spool-tracestate", "spool-request-id");

    private SpoolHeaders() {
    }

    /**
     * The message a raw push describes, with an empty payload to be replaced by the body; every
     * value is validated and an error names the header.
     */
    static NewMessage read(MultiMap h) {
        refuseUnknown(h);
        NewMessage.Builder b = NewMessage.builder(Payload.EMPTY);
        String ct = h.get("Content-Type");
        b.contentType(ct == null || ct.isBlank() ? MessageBody.OCTET_STREAM : ct.strip());
        Optional.ofNullable(h.get(KEY)).ifPresent(b::key);
        Optional.ofNullable(h.get(DEDUP_ID)).ifPresent(b::dedupId);
        String trace = h.get(TRACEPARENT) != null ? h.get(TRACEPARENT) : h.get("traceparent");
        Optional.ofNullable(trace).ifPresent(b::traceparent);
        b.priority((int) number(h, PRIORITY, 0, Validation.MAX_PRIORITY));
        b.delayMs(number(h, DELAY_MS, 0, Validation.MAX_DELAY_MS));
        b.ttlMs(number(h, TTL_MS, 0, Validation.MAX_RETENTION_MS));
        b.notBeforeMs(instant(h, NOT_BEFORE));
        Map<String, String> app = appHeaders(h);
        String state = h.get(TRACESTATE) != null ? h.get(TRACESTATE) : h.get(TraceContext.TRACESTATE);
        b.headers(state == null ? app : TraceContext.withTracestate(app, state.strip(), TRACESTATE));
        NewMessage m = b.build();
        try {
            Validation.message(m, "m");
        } catch (SpoolException e) {
            throw SpoolException.invalid(headerOf(e.field().orElse("m")), e.getMessage());
        }
        return m;
    }

    /**
     * A mistyped {@code Spool-*} header (say {@code Spool-Delay-MS} spelt {@code Spool-Delay}) would
     * otherwise be dropped silently and the message pushed without it.
     */
    private static void refuseUnknown(MultiMap h) {
        for (String name : h.names()) {
            if (name.length() > SPOOL_PREFIX.length()
                    && name.regionMatches(true, 0, SPOOL_PREFIX, 0, SPOOL_PREFIX.length())
                    && !name.regionMatches(true, 0, HEADER_PREFIX, 0, HEADER_PREFIX.length())
                    && !PUSH_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                throw SpoolException.invalid(name, "unknown Spool-* header on a raw push; known: Spool-Key, "
                        + "Spool-Priority, Spool-Delay-Ms, Spool-Not-Before, Spool-Ttl-Ms, Spool-Dedup-Id, "
                        + "Spool-Traceparent, Spool-Tracestate, Spool-Header-<name>");
            }
        }
    }

    private static Map<String, String> appHeaders(MultiMap h) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : h.entries()) {
            String name = e.getKey();
            if (name.length() > HEADER_PREFIX.length() && name.regionMatches(true, 0, HEADER_PREFIX, 0,
                    HEADER_PREFIX.length())) {
                String app = name.substring(HEADER_PREFIX.length());
                if (out.put(app, e.getValue()) != null) {
                    throw SpoolException.invalid(name, "given more than once");
                }
            }
        }
        return out;
    }

    /** Maps a validation field ({@code m.key}) back to the header that carried it. */
    private static String headerOf(String field) {
        String f = field.startsWith("m.") ? field.substring(2) : field;
        if (f.startsWith("headers")) {
            return f.length() > "headers.".length() ? HEADER_PREFIX + f.substring("headers.".length()) : "Spool-Header-*";
        }
        return switch (f) {
            case "key" -> KEY;
            case "dedup_id" -> DEDUP_ID;
            case "traceparent" -> TRACEPARENT;
            case "content_type" -> "Content-Type";
            default -> "Spool-" + f;
        };
    }

    private static long number(MultiMap h, String name, long min, long max) {
        String v = h.get(name);
        if (v == null) {
            return 0;
        }
        try {
            long n = Long.parseLong(v.strip());
            if (n < min || n > max) {
                throw SpoolException.invalid(name, "must be between " + min + " and " + max + ", got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw SpoolException.invalid(name, "must be a whole number");
        }
    }

    private static long instant(MultiMap h, String name) {
        String v = h.get(name);
        if (v == null) {
            return 0;
        }
        String s = v.strip();
        if (!s.isEmpty() && s.chars().allMatch(Character::isDigit)) {
            return number(h, name, 0, Validation.MAX_EPOCH_MS);
        }
        try {
            return Validation.range(name, Instant.parse(s).toEpochMilli(), 0, Validation.MAX_EPOCH_MS);
        } catch (DateTimeParseException | ArithmeticException e) {
            throw SpoolException.invalid(name, "an epoch millisecond or an ISO-8601 instant");
        }
    }

    /** Puts a delivery's metadata on a raw pop response. */
    static void write(MultiMap out, Delivery d) {
        MessageBody b = d.body();
        StringBuilder encoded = new StringBuilder();
        // a content type given in JSON may hold any character; a header carries printable ASCII only
        out.set("Content-Type", ascii("Content-Type", b.contentType(), encoded));
        out.set(ID, d.idString());
        out.set(RECEIPT, d.receipt());
        out.set(ATTEMPTS, Integer.toString(d.attempts()));
        out.set(PRIORITY, Integer.toString(b.priority()));
        out.set(ENQUEUED_AT, Long.toString(d.enqueuedAt()));
        out.set(LEASE_EXPIRES_AT, Long.toString(d.leaseExpiresAt()));
        b.key().ifPresent(k -> out.set(KEY, ascii(KEY, k, encoded)));
        b.traceparent().ifPresent(t -> {
            out.set(TRACEPARENT, t);
            out.set(TraceContext.TRACEPARENT, t); // the W3C header, for the consumer's tracing library
        });
        String state = b.headers().get(TraceContext.TRACESTATE);
        if (state != null && b.traceparent().isPresent()) {
            out.set(TraceContext.TRACESTATE, ascii(TraceContext.TRACESTATE, state, encoded));
        }
        for (Map.Entry<String, String> e : b.headers().entrySet()) {
            String name = HEADER_PREFIX + e.getKey();
            out.set(name, ascii(name, e.getValue(), encoded));
        }
        if (!encoded.isEmpty()) {
            out.set(ENCODED, encoded.toString());
        }
    }

    /** The value as is when it is printable ASCII without {@code %}, else percent-encoded UTF-8. */
    private static String ascii(String name, String value, StringBuilder encoded) {
        boolean plain = true;
        for (int i = 0; i < value.length() && plain; i++) {
            char c = value.charAt(i);
            plain = c >= 0x20 && c < 0x7f && c != '%';
        }
        if (plain) {
            return value;
        }
        encoded.append(encoded.isEmpty() ? "" : ", ").append(name.toLowerCase(Locale.ROOT));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte x : value.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '%') {
                out.write(c);
            } else {
                out.writeBytes(String.format("%%%02X", c).getBytes(StandardCharsets.US_ASCII));
            }
        }
        return out.toString(StandardCharsets.US_ASCII);
    }
}
