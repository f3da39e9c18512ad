package dev.spool.client;

import dev.spool.api.SpoolException;

/**
 * How a {@link Producer} batches and sends.
 *
 * @param maxBatch most messages in one push request or frame
 * @param lingerMs how long a batch that is not full waits for more messages before it is sent
 * @param maxBuffered most messages buffered or unconfirmed at once; {@link Producer#send} blocks
 *        while the producer holds this many (backpressure)
 * @param maxRetries how many times a batch refused with {@code 429} or {@code 503} is sent again
 *        (the server applied nothing), honouring {@code Retry-After}
 * @param maxInFlight {@link PushTransport#HTTP} only: most push requests outstanding at once; with 1
 *        (the default) messages are stored in the order they were sent, with more the batches may
 *        overtake each other. Over the stream, frames are pipelined in order, bounded by
 *        {@code maxBuffered}
 * @param transport how batches travel (default {@link PushTransport#STREAM})
 * @param maxReconnects {@link PushTransport#STREAM} only: consecutive lost or unopenable sockets
 *        (without a confirmation in between) after which the unconfirmed messages' futures fail
 * @param reconnectTimeoutMs {@link PushTransport#STREAM} only: longest time without a socket while
 *        messages are unconfirmed before their futures fail
 */
public record ProducerOptions(int maxBatch, long lingerMs, int maxBuffered, int maxRetries, int maxInFlight,
        PushTransport transport, int maxReconnects, long reconnectTimeoutMs) {

    /**
     * Batches of up to 1 000, 5 ms linger, 100 000 buffered, 5 retries, one HTTP request at a time,
     * over the stream, giving up after 5 lost sockets in a row or 30 s without one.
     */
    public static final ProducerOptions DEFAULTS = new ProducerOptions(1_000, 5, 100_000, 5, 1);

    /** Checks the values. */
    public ProducerOptions {
        if (maxBatch < 1 || lingerMs < 0 || maxBuffered < maxBatch || maxRetries < 0 || maxInFlight < 1
                || transport == null || maxReconnects < 0 || reconnectTimeoutMs < 1) {
            throw SpoolException.invalid("producer", "need maxBatch >= 1, lingerMs >= 0, maxBuffered >= maxBatch, "
                    + "maxInFlight >= 1, a transport, maxReconnects >= 0, reconnectTimeoutMs >= 1");
        }
    }

    /** Options over the stream with the default reconnection bounds (5 lost sockets, 30 s). */
    public ProducerOptions(int maxBatch, long lingerMs, int maxBuffered, int maxRetries, int maxInFlight) {
        this(maxBatch, lingerMs, maxBuffered, maxRetries, maxInFlight, PushTransport.STREAM, 5, 30_000);
    }

    /** A copy with another bound on outstanding HTTP requests. */
    public ProducerOptions withMaxInFlight(int v) {
        return new ProducerOptions(maxBatch, lingerMs, maxBuffered, maxRetries, v, transport, maxReconnects,
                reconnectTimeoutMs);
    }

    /** A copy with another batch size (and a buffer at least that large). */
    public ProducerOptions withMaxBatch(int v) {
        return new ProducerOptions(v, lingerMs, Math.max(v, maxBuffered), maxRetries, maxInFlight, transport,
                maxReconnects, reconnectTimeoutMs);
    }

    /** A copy with another linger. */
    public ProducerOptions withLingerMs(long v) {
        return new ProducerOptions(maxBatch, v, maxBuffered, maxRetries, maxInFlight, transport, maxReconnects,
                reconnectTimeoutMs);
    }

    /**
     * A copy with another buffer bound (and a batch no larger than it), so that the {@code with*}
     * calls may come in any order: where batch and buffer conflict, the later call wins.
     */
    public ProducerOptions withMaxBuffered(int v) {
        return new ProducerOptions(v < 1 ? maxBatch : Math.min(maxBatch, v), lingerMs, v, maxRetries, maxInFlight,
                transport, maxReconnects, reconnectTimeoutMs);
    }

    /** A copy with another retry count. */
    public ProducerOptions withMaxRetries(int v) {
        return new ProducerOptions(maxBatch, lingerMs, maxBuffered, v, maxInFlight, transport, maxReconnects,
                reconnectTimeoutMs);
    }

    /** A copy sending over another transport. */
    public ProducerOptions withTransport(PushTransport v) {
        return new ProducerOptions(maxBatch, lingerMs, maxBuffered, maxRetries, maxInFlight, v, maxReconnects,
                reconnectTimeoutMs);
    }

    /** A copy with other stream reconnection bounds: lost sockets in a row, and time without a socket. */
    public ProducerOptions withReconnect(int maxLostSockets, long timeoutMs) {
        return new ProducerOptions(maxBatch, lingerMs, maxBuffered, maxRetries, maxInFlight, transport,
                maxLostSockets, timeoutMs);
    }
}
