package dev.spool.api;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The settings of one queue. Every field has a default ({@link #DEFAULTS}); the HTTP API accepts
 * any subset and merges it onto the current (or default) configuration.
 *
 * @param visibilityTimeoutMs lease length of a pop that does not name one
 * @param maxAttempts deliveries before a message is dead-lettered; 0 means unlimited
 * @param deadLetterQueue where dead letters go; empty means {@code <queue>.dlq}
 * @param retryBackoff delay of a nack that does not name one
 * @param retentionMs how long a message stays after every group finished it, for replay
 * @param messageTtlMs how long an unconsumed message lives
 * @param maxMessageBytes largest payload accepted
 * @param dedupWindowMs how long a {@code dedup_id} is remembered
 * @param resultTtlMs how long a task result (and a dead message's reason) is kept after it was set
 * @param encrypted encrypt payloads at rest
 * @param attributes free-form string attributes kept with the queue and shared by every server
 *        (keys {@code [A-Za-z0-9._:-]{1,128}}, at most {@value #MAX_ATTRIBUTES}, at most
 *        {@value #MAX_ATTRIBUTE_BYTES} UTF-8 bytes of keys and values together); keys starting
 *        with {@code sqs.} are maintained by the SQS endpoint. They belong to this incarnation of
 *        the queue: deleting the queue deletes them.
 */
public record QueueConfig(long visibilityTimeoutMs, int maxAttempts, Optional<String> deadLetterQueue,
        RetryBackoff retryBackoff, long retentionMs, long messageTtlMs, long maxMessageBytes, long dedupWindowMs,
        long resultTtlMs, boolean encrypted, Map<String, String> attributes) {

    /** The built-in defaults of DESIGN §1. */
    public static final QueueConfig DEFAULTS = new QueueConfig(30_000, 5, Optional.empty(), RetryBackoff.DEFAULT,
            0, 14L * 24 * 3600 * 1000, 16L * 1024 * 1024, 5 * 60 * 1000, 3600 * 1000, false, Map.of());

    /** Most attributes per queue. */
    public static final int MAX_ATTRIBUTES = 32;

    /** Most UTF-8 bytes of all attribute keys and values of a queue together. */
    public static final int MAX_ATTRIBUTE_BYTES = 32 * 1024;

    private static final Pattern ATTRIBUTE_KEY = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    /** Hard cap on {@link #maxMessageBytes}: 1 GiB. */
    public static final long MAX_MESSAGE_BYTES_CAP = 1L << 30;

    /** Checks for nulls; keeps the attributes sorted by key. */
    public QueueConfig {
        if (deadLetterQueue == null || retryBackoff == null || attributes == null) {
            throw new IllegalArgumentException("queue config fields must not be null");
        }
        attributes = Collections.unmodifiableMap(new TreeMap<>(attributes));
    }

    /** A configuration without attributes. */
    public QueueConfig(long visibilityTimeoutMs, int maxAttempts, Optional<String> deadLetterQueue,
            RetryBackoff retryBackoff, long retentionMs, long messageTtlMs, long maxMessageBytes, long dedupWindowMs,
            long resultTtlMs, boolean encrypted) {
        this(visibilityTimeoutMs, maxAttempts, deadLetterQueue, retryBackoff, retentionMs, messageTtlMs,
                maxMessageBytes, dedupWindowMs, resultTtlMs, encrypted, Map.of());
    }

    /** The dead-letter queue of {@code queue} under this configuration. */
    public String deadLetterQueueFor(String queue) {
        return deadLetterQueue.orElseGet(() -> Names.defaultDeadLetterQueue(queue));
    }

    /**
     * Checks every range.
     *
     * @throws SpoolException {@link ErrorCode#INVALID_ARGUMENT} naming the field
     */
    public QueueConfig validate() {
        Validation.range("visibility_timeout_ms", visibilityTimeoutMs, 1, Validation.MAX_VISIBILITY_MS);
        Validation.range("max_attempts", maxAttempts, 0, 1_000_000);
        deadLetterQueue.ifPresent(q -> Names.checkQueue(q, "dead_letter_queue"));
        retryBackoff.validate("retry_backoff");
        Validation.range("retention_ms", retentionMs, 0, Validation.MAX_RETENTION_MS);
        Validation.range("message_ttl_ms", messageTtlMs, 1, Validation.MAX_RETENTION_MS);
        Validation.range("max_message_bytes", maxMessageBytes, 1, MAX_MESSAGE_BYTES_CAP);
        Validation.range("dedup_window_ms", dedupWindowMs, 0, Validation.MAX_DEDUP_WINDOW_MS);
        Validation.range("result_ttl_ms", resultTtlMs, 0, Validation.MAX_RETENTION_MS);
        checkAttributes(attributes);
        return this;
    }

    /**
     * Checks attribute keys, count and size.
     *
     * @throws SpoolException {@link ErrorCode#INVALID_ARGUMENT} naming the field
     */
    public static void checkAttributes(Map<String, String> attributes) {
        if (attributes.size() > MAX_ATTRIBUTES) {
            throw SpoolException.invalid("attributes", "at most " + MAX_ATTRIBUTES + " attributes per queue");
        }
        long bytes = 0;
        for (Map.Entry<String, String> e : attributes.entrySet()) {
            if (e.getKey() == null || !ATTRIBUTE_KEY.matcher(e.getKey()).matches()) {
                throw SpoolException.invalid("attributes", "an attribute key must match [A-Za-z0-9._:-]{1,128}");
            }
            if (e.getValue() == null) {
                throw SpoolException.invalid("attributes." + e.getKey(), "an attribute value must be a string");
            }
            bytes += e.getKey().length() + e.getValue().getBytes(StandardCharsets.UTF_8).length;
        }
        if (bytes > MAX_ATTRIBUTE_BYTES) {
            throw SpoolException.invalid("attributes", "attributes take at most " + MAX_ATTRIBUTE_BYTES
                    + " bytes of keys and values together");
        }
    }

    /** A copy with other attributes (replacing them all). */
    public QueueConfig withAttributes(Map<String, String> v) {
        return new QueueConfig(visibilityTimeoutMs, maxAttempts, deadLetterQueue, retryBackoff, retentionMs,
                messageTtlMs, maxMessageBytes, dedupWindowMs, resultTtlMs, encrypted, v);
    }

    /** A copy with another visibility timeout. */
    public QueueConfig withVisibilityTimeoutMs(long v) {
        return new QueueConfig(v, maxAttempts, deadLetterQueue, retryBackoff, retentionMs, messageTtlMs,
                maxMessageBytes, dedupWindowMs, resultTtlMs, encrypted, attributes);
    }

    /** A copy with another attempt limit. */
    public QueueConfig withMaxAttempts(int v) {
        return new QueueConfig(visibilityTimeoutMs, v, deadLetterQueue, retryBackoff, retentionMs, messageTtlMs,
                maxMessageBytes, dedupWindowMs, resultTtlMs, encrypted, attributes);
    }

    /** A copy with another dead-letter queue (empty: the default name). */
    public QueueConfig withDeadLetterQueue(Optional<String> v) {
        return new QueueConfig(visibilityTimeoutMs, maxAttempts, v, retryBackoff, retentionMs, messageTtlMs,
                maxMessageBytes, dedupWindowMs, resultTtlMs, encrypted, attributes);
    }

    /** A copy with another backoff. */
    public QueueConfig withRetryBackoff(RetryBackoff v) {
        return new QueueConfig(visibilityTimeoutMs, maxAttempts, deadLetterQueue, v, retentionMs, messageTtlMs,
                maxMessageBytes, dedupWindowMs, resultTtlMs, encrypted, attributes);
    }

    /** A copy with another retention. */
    public QueueConfig withRetentionMs(long v) {
        return new QueueConfig(visibilityTimeoutMs, maxAttempts, deadLetterQueue, retryBackoff, v, messageTtlMs,
                maxMessageBytes, dedupWindowMs, resultTtlMs, encrypted, attributes);
    }

    /** A copy with another message TTL. */
    public QueueConfig withMessageTtlMs(long v) {
        return new QueueConfig(visibilityTimeoutMs, maxAttempts, deadLetterQueue, retryBackoff, retentionMs, v,
                maxMessageBytes, dedupWindowMs, resultTtlMs, encrypted, attributes);
    }

    /** A copy with another size limit. */
    public QueueConfig withMaxMessageBytes(long v) {
        return new QueueConfig(visibilityTimeoutMs, maxAttempts, deadLetterQueue, retryBackoff, retentionMs,
                messageTtlMs, v, dedupWindowMs, resultTtlMs, encrypted, attributes);
    }

    /** A copy with another dedup window. */
    public QueueConfig withDedupWindowMs(long v) {
        return new QueueConfig(visibilityTimeoutMs, maxAttempts, deadLetterQueue, retryBackoff, retentionMs,
                messageTtlMs, maxMessageBytes, v, resultTtlMs, encrypted, attributes);
    }

    /** A copy with another result TTL. */
    public QueueConfig withResultTtlMs(long v) {
        return new QueueConfig(visibilityTimeoutMs, maxAttempts, deadLetterQueue, retryBackoff, retentionMs,
                messageTtlMs, maxMessageBytes, dedupWindowMs, v, encrypted, attributes);
    }

    /** A copy with encryption on or off. */
    public QueueConfig withEncrypted(boolean v) {
        return new QueueConfig(visibilityTimeoutMs, maxAttempts, deadLetterQueue, retryBackoff, retentionMs,
                messageTtlMs, maxMessageBytes, dedupWindowMs, resultTtlMs, v, attributes);
    }
}
