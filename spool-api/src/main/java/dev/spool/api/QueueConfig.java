package dev.spool.api;

import java.util.Optional;

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
 */
public record QueueConfig(long visibilityTimeoutMs, int maxAttempts, Optional<String> deadLetterQueue,
        RetryBackoff retryBackoff, long retentionMs, long messageTtlMs, long maxMessageBytes, long dedupWindowMs,
        long resultTtlMs, boolean encrypted) {

    /** The built-in defaults of DESIGN §1. */
    public static final QueueConfig DEFAULTS = new QueueConfig(30_000, 5, Optional.empty(), RetryBackoff.DEFAULT,
            0, 14L * 24 * 3600 * 1000, 16L * 1024 * 1024, 5 * 60 * 1000, 3600 * 1000, false);

    /** Hard cap on {@link #maxMessageBytes}: 1 GiB. */
    public static final long MAX_MESSAGE_BYTES_CAP = 1L << 30;

    /** Checks for nulls. */
    public QueueConfig {
        if (deadLetterQueue == null || retryBackoff == null) {
            throw new IllegalArgumentException("queue config fields must not be null");
        }
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
        if (encrypted) {
            throw SpoolException.withField(ErrorCode.NOT_IMPLEMENTED, "encrypted",
                    "encryption at rest is not available in this version");
        }
        return this;
    }

    /** A copy with another visibility timeout. */
    public QueueConfig withVisibilityTimeoutMs(long v) {
        return new QueueConfig(v, maxAttempts, deadLetterQueue, retryBackoff, retentionMs, messageTtlMs,
                maxMessageBytes, dedupWindowMs, resultTtlMs, encrypted);
    }

    /** A copy with another attempt limit. */
    public QueueConfig withMaxAttempts(int v) {
        return new QueueConfig(visibilityTimeoutMs, v, deadLetterQueue, retryBackoff, retentionMs, messageTtlMs,
                maxMessageBytes, dedupWindowMs, resultTtlMs, encrypted);
    }

    /** A copy with another dead-letter queue (empty: the default name). */
    public QueueConfig withDeadLetterQueue(Optional<String> v) {
        return new QueueConfig(visibilityTimeoutMs, maxAttempts, v, retryBackoff, retentionMs, messageTtlMs,
                maxMessageBytes, dedupWindowMs, resultTtlMs, encrypted);
    }

    /** A copy with another backoff. */
    public QueueConfig withRetryBackoff(RetryBackoff v) {
        return new QueueConfig(visibilityTimeoutMs, maxAttempts, deadLetterQueue, v, retentionMs, messageTtlMs,
                maxMessageBytes, dedupWindowMs, resultTtlMs, encrypted);
    }

    /** A copy with another retention. */
    public QueueConfig withRetentionMs(long v) {
        return new QueueConfig(visibilityTimeoutMs, maxAttempts, deadLetterQueue, retryBackoff, v, messageTtlMs,
                maxMessageBytes, dedupWindowMs, resultTtlMs, encrypted);
    }

    /** A copy with another message TTL. */
    public QueueConfig withMessageTtlMs(long v) {
        return new QueueConfig(visibilityTimeoutMs, maxAttempts, deadLetterQueue, retryBackoff, retentionMs, v,
                maxMessageBytes, dedupWindowMs, resultTtlMs, encrypted);
    }

    /** A copy with another size limit. */
    public QueueConfig withMaxMessageBytes(long v) {
        return new QueueConfig(visibilityTimeoutMs, maxAttempts, deadLetterQueue, retryBackoff, retentionMs,
                messageTtlMs, v, dedupWindowMs, resultTtlMs, encrypted);
    }

    /** A copy with another dedup window. */
    public QueueConfig withDedupWindowMs(long v) {
        return new QueueConfig(visibilityTimeoutMs, maxAttempts, deadLetterQueue, retryBackoff, retentionMs,
                messageTtlMs, maxMessageBytes, v, resultTtlMs, encrypted);
    }

    /** A copy with another result TTL. */
    public QueueConfig withResultTtlMs(long v) {
        return new QueueConfig(visibilityTimeoutMs, maxAttempts, deadLetterQueue, retryBackoff, retentionMs,
                messageTtlMs, maxMessageBytes, dedupWindowMs, v, encrypted);
    }

    /** A copy with encryption on or off. */
    public QueueConfig withEncrypted(boolean v) {
        return new QueueConfig(visibilityTimeoutMs, maxAttempts, deadLetterQueue, retryBackoff, retentionMs,
                messageTtlMs, maxMessageBytes, dedupWindowMs, resultTtlMs, v);
    }
}
