package dev.spool.api;

import java.util.List;
import java.util.Map;

/**
 * Input checks shared by the server and every backend, so that a bad value gets the same error
 * naming the same field wherever it enters. Each check throws {@link SpoolException} with
 * {@link ErrorCode#INVALID_ARGUMENT} and the field path as the client sent it.
 */
public final class Validation {
    /** Longest lease: 12 hours, as SQS. */
    public static final long MAX_VISIBILITY_MS = 12L * 3600 * 1000;
    /** Longest delay or backoff: 366 days. */
    public static final long MAX_DELAY_MS = 366L * 24 * 3600 * 1000;
    /** Longest retention, TTL or result TTL: 366 days. */
    public static final long MAX_RETENTION_MS = 366L * 24 * 3600 * 1000;
    /** Longest dedup window: 7 days. */
    public static final long MAX_DEDUP_WINDOW_MS = 7L * 24 * 3600 * 1000;
    /** Latest accepted {@code not_before}: year 2999. */
    public static final long MAX_EPOCH_MS = 32503680000000L;
    /** Most headers on one message. */
    public static final int MAX_HEADERS = 64;
    /** Longest header name. */
    public static final int MAX_HEADER_NAME = 128;
    /** Total characters of all header names and values of one message. */
    public static final int MAX_HEADER_CHARS = 16 * 1024;
    /** Longest ordering key. */
    public static final int MAX_KEY_LENGTH = 256;
    /** Longest dedup id. */
    public static final int MAX_DEDUP_ID_LENGTH = 256;
    /** Longest content type. */
    public static final int MAX_CONTENT_TYPE_LENGTH = 256;
    /** Longest nack reason kept as {@code last_error}. */
    public static final int MAX_REASON_LENGTH = 4096;
    /** Highest priority. */
    public static final int MAX_PRIORITY = 9;

    private Validation() {
    }

    /** Checks {@code min <= value <= max}. */
    public static long range(String field, long value, long min, long max) {
        if (value < min || value > max) {
            throw SpoolException.invalid(field, "must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    /**
     * Checks a batch of messages to push.
     *
     * @param messages the batch
     * @param limits server bounds
     * @param field the request field of the list, e.g. {@code messages}
     */
    public static void messages(List<NewMessage> messages, BrokerLimits limits, String field) {
        if (messages.isEmpty()) {
            throw SpoolException.invalid(field, "at least one message is needed");
        }
        if (messages.size() > limits.maxBatch()) {
            throw SpoolException.invalid(field, "at most " + limits.maxBatch() + " messages per request");
        }
        for (int i = 0; i < messages.size(); i++) {
            NewMessage m = messages.get(i);
            if (!messageOk(m)) {
                message(m, field + "[" + i + "]");
            }
        }
    }

    /**
     * Whether {@link #message} would accept the message, without building any field name: the hot
     * path of a push checks each message this way and names the field only when one is refused.
     */
    static boolean messageOk(NewMessage m) {
        MessageBody b = m.body();
        if (b.priority() < 0 || b.priority() > MAX_PRIORITY || m.delayMs() < 0 || m.delayMs() > MAX_DELAY_MS
                || m.notBeforeMs() < 0 || m.notBeforeMs() > MAX_EPOCH_MS || m.ttlMs() < 0
                || m.ttlMs() > MAX_RETENTION_MS
                // the shared default needs no scan (identity, not equals: any other string is checked)
                || b.contentType() != MessageBody.OCTET_STREAM
                        && !textOk(b.contentType(), 1, MAX_CONTENT_TYPE_LENGTH)) {
            return false;
        }
        if (b.key().isPresent() && !textOk(b.key().get(), 1, MAX_KEY_LENGTH)) {
            return false;
        }
        if (m.dedupId().isPresent() && !textOk(m.dedupId().get(), 1, MAX_DEDUP_ID_LENGTH)) {
            return false;
        }
        if (b.traceparent().isPresent() && !traceparentOk(b.traceparent().get())) {
            return false;
        }
        return b.headers().isEmpty() || headersOk(b.headers());
    }

    private static boolean textOk(String value, int min, int max) {
        return value != null && value.length() >= min && value.length() <= max && !hasControl(value);
    }

    private static boolean headersOk(Map<String, String> headers) {
        if (headers.size() > MAX_HEADERS) {
            return false;
        }
        int total = 0;
        for (Map.Entry<String, String> e : headers.entrySet()) {
            String name = e.getKey();
            String value = e.getValue();
            if (name.isEmpty() || name.length() > MAX_HEADER_NAME || !isToken(name) || value == null
                    || hasControl(value)) {
                return false;
            }
            total += name.length() + value.length();
        }
        return total <= MAX_HEADER_CHARS;
    }

    /** Checks one message's fields (its size is checked by the queue that takes it). */
    public static void message(NewMessage m, String field) {
        MessageBody b = m.body();
        range(field + ".priority", b.priority(), 0, MAX_PRIORITY);
        range(field + ".delay_ms", m.delayMs(), 0, MAX_DELAY_MS);
        range(field + ".not_before", m.notBeforeMs(), 0, MAX_EPOCH_MS);
        range(field + ".ttl_ms", m.ttlMs(), 0, MAX_RETENTION_MS);
        text(field + ".content_type", b.contentType(), 1, MAX_CONTENT_TYPE_LENGTH);
        b.key().ifPresent(k -> text(field + ".key", k, 1, MAX_KEY_LENGTH));
        m.dedupId().ifPresent(d -> text(field + ".dedup_id", d, 1, MAX_DEDUP_ID_LENGTH));
        b.traceparent().ifPresent(t -> traceparent(field + ".traceparent", t));
        headers(field + ".headers", b.headers());
    }

    /** Checks a header map: count, name characters, total size. */
    public static void headers(String field, Map<String, String> headers) {
        if (headers.size() > MAX_HEADERS) {
            throw SpoolException.invalid(field, "at most " + MAX_HEADERS + " headers");
        }
        int total = 0;
        for (Map.Entry<String, String> e : headers.entrySet()) {
            String name = e.getKey();
            if (name.isEmpty() || name.length() > MAX_HEADER_NAME || !isToken(name)) {
                throw SpoolException.invalid(field, "header names are 1-128 characters of [A-Za-z0-9._-]");
            }
            String value = e.getValue();
            if (value == null || hasControl(value)) {
                throw SpoolException.invalid(field + "." + name, "header values are text without control characters");
            }
            total += name.length() + value.length();
        }
        if (total > MAX_HEADER_CHARS) {
            throw SpoolException.invalid(field, "headers exceed " + MAX_HEADER_CHARS + " characters in total");
        }
    }

    /** Checks a W3C traceparent: {@code 00-<32 hex>-<16 hex>-<2 hex>}. */
    public static void traceparent(String field, String value) {
        if (!traceparentOk(value)) {
            throw SpoolException.invalid(field, "not a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>)");
        }
    }

    private static boolean traceparentOk(String value) {
        boolean ok = value.length() == 55 && value.charAt(2) == '-' && value.charAt(35) == '-'
                && value.charAt(52) == '-';
        for (int i = 0; ok && i < value.length(); i++) {
            if (i == 2 || i == 35 || i == 52) {
                continue;
            }
            char c = value.charAt(i);
            ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        }
        return ok;
    }

    /** Checks a non-blank text of bounded length without control characters. */
    public static String text(String field, String value, int min, int max) {
        if (value == null || value.length() < min || value.length() > max) {
            throw SpoolException.invalid(field, "must be " + min + "-" + max + " characters");
        }
        if (hasControl(value)) {
            throw SpoolException.invalid(field, "must not contain control characters");
        }
        return value;
    }

    private static boolean isToken(String s) {
        // header names keep the plain character rule; only queue and group names exclude . and ..
        return ".".equals(s) || "..".equals(s) || Names.isValid(s);
    }

    private static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return true;
            }
        }
        return false;
    }
}
