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
 */
public record ProducerOptions(int maxBatch, long lingerMs, int maxBuffered, int maxRetries) {

    /** Batches of up to 1 000, 5 ms linger, 100 000 buffered, 5 retries. */
    public static final ProducerOptions DEFAULTS = new ProducerOptions(1_000, 5, 100_000, 5);

    /** Checks the values. */
    public ProducerOptions {
        if (maxBatch < 1 || lingerMs < 0 || maxBuffered < maxBatch || maxRetries < 0) {
            throw SpoolException.invalid("producer", "need maxBatch >= 1, lingerMs >= 0, maxBuffered >= maxBatch");
        }
    }

    /** A copy with another batch size (and a buffer at least that large). */
    public ProducerOptions withMaxBatch(int v) {
        return new ProducerOptions(v, lingerMs, Math.max(v, maxBuffered), maxRetries);
    }

    /** A copy with another linger. */
    public ProducerOptions withLingerMs(long v) {
        return new ProducerOptions(maxBatch, v, maxBuffered, maxRetries);
    }

    /** A copy with another buffer bound. */
    public ProducerOptions withMaxBuffered(int v) {
        return new ProducerOptions(maxBatch, lingerMs, v, maxRetries);
    }

    /** A copy with another retry count. */
    public ProducerOptions withMaxRetries(int v) {
        return new ProducerOptions(maxBatch, lingerMs, maxBuffered, v);
    }
}
