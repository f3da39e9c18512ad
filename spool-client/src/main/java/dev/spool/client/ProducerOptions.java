package dev.spool.client;

import dev.spool.api.SpoolException;

/**
 * How a {@link Producer} batches.
 *
 * @param maxBatch most messages in one push request
 * @param lingerMs how long a batch that is not full waits for more messages before it is sent
 * @param maxBuffered most messages buffered or in flight at once; {@link Producer#send} blocks
 *        while the producer holds this many (backpressure)
 * @param maxRetries how many times a batch refused with {@code 429} or {@code 503} is sent again
 *        (the server applied nothing), honouring {@code Retry-After}
 * @param maxInFlight most push requests outstanding at once; with 1 (the default) messages are
 *        stored in the order they were sent, with more the batches may overtake each other
 */
public record ProducerOptions(int maxBatch, long lingerMs, int maxBuffered, int maxRetries, int maxInFlight) {

    /** Batches of up to 1 000, 5 ms linger, 100 000 buffered, 5 retries, one request at a time. */
    public static final ProducerOptions DEFAULTS = new ProducerOptions(1_000, 5, 100_000, 5, 1);

    /** Checks the values. */
    public ProducerOptions {
        if (maxBatch < 1 || lingerMs < 0 || maxBuffered < maxBatch || maxRetries < 0 || maxInFlight < 1) {
            throw SpoolException.invalid("producer",
                    "need maxBatch >= 1, lingerMs >= 0, maxBuffered >= maxBatch, maxInFlight >= 1");
        }
    }

    /** A copy with another bound on outstanding requests. */
    public ProducerOptions withMaxInFlight(int v) {
        return new ProducerOptions(maxBatch, lingerMs, maxBuffered, maxRetries, v);
    }

    /** A copy with another batch size (and a buffer at least that large). */
    public ProducerOptions withMaxBatch(int v) {
        return new ProducerOptions(v, lingerMs, Math.max(v, maxBuffered), maxRetries, maxInFlight);
    }

    /** A copy with another linger. */
    public ProducerOptions withLingerMs(long v) {
        return new ProducerOptions(maxBatch, v, maxBuffered, maxRetries, maxInFlight);
    }

    /**
     * A copy with another buffer bound (and a batch no larger than it), so that the {@code with*}
     * calls may come in any order: where batch and buffer conflict, the later call wins.
     */
    public ProducerOptions withMaxBuffered(int v) {
        return new ProducerOptions(v < 1 ? maxBatch : Math.min(maxBatch, v), lingerMs, v, maxRetries, maxInFlight);
    }

    /** A copy with another retry count. */
    public ProducerOptions withMaxRetries(int v) {
        return new ProducerOptions(maxBatch, lingerMs, maxBuffered, v, maxInFlight);
    }
}
