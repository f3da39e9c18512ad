package dev.spool.client;

import dev.spool.api.Broker;
import dev.spool.api.SpoolException;

/**
 * How a {@link Consumer} fetches, runs and acknowledges.
 *
 * @param group the group to consume
 * @param prefetch most messages held at once (received and not yet acked): the subscription's credit
 * @param concurrency handler threads
 * @param visibilityMs lease length asked for, and the length each automatic extension grants
 *        (0: the queue's visibility timeout)
 * @param ackBatch most receipts in one ack frame
 * @param ackLingerMs how long a handled message may wait for its ack to be sent with others
 * @param reconnectInitialMs first wait before reconnecting after an error; doubles on each failure
 * @param reconnectMaxMs longest wait between reconnection attempts
 */
public record ConsumerOptions(String group, int prefetch, int concurrency, long visibilityMs, int ackBatch,
        long ackLingerMs, long reconnectInitialMs, long reconnectMaxMs) {

    /** Default group, prefetch 256, 4 threads, queue visibility, acks of up to 256 within 5 ms. */
    public static final ConsumerOptions DEFAULTS = new ConsumerOptions(Broker.DEFAULT_GROUP, 256, 4, 0, 256, 5,
            100, 10_000);

    /** Checks the values. */
    public ConsumerOptions {
        if (group == null || prefetch < 1 || prefetch > 100_000 || concurrency < 1 || visibilityMs < 0
                || ackBatch < 1 || ackLingerMs < 1 || reconnectInitialMs < 1 || reconnectMaxMs < reconnectInitialMs) {
            throw SpoolException.invalid("consumer", "prefetch 1..100000, concurrency, ack batch and linger >= 1");
        }
    }

    /** A copy consuming another group. */
    public ConsumerOptions withGroup(String v) {
        return new ConsumerOptions(v, prefetch, concurrency, visibilityMs, ackBatch, ackLingerMs, reconnectInitialMs,
                reconnectMaxMs);
    }

    /** A copy with another prefetch. */
    public ConsumerOptions withPrefetch(int v) {
        return new ConsumerOptions(group, v, concurrency, visibilityMs, ackBatch, ackLingerMs, reconnectInitialMs,
                reconnectMaxMs);
    }

    /** A copy with another number of handler threads. */
    public ConsumerOptions withConcurrency(int v) {
        return new ConsumerOptions(group, prefetch, v, visibilityMs, ackBatch, ackLingerMs, reconnectInitialMs,
                reconnectMaxMs);
    }

    /** A copy with another lease length. */
    public ConsumerOptions withVisibilityMs(long v) {
        return new ConsumerOptions(group, prefetch, concurrency, v, ackBatch, ackLingerMs, reconnectInitialMs,
                reconnectMaxMs);
    }

    /** A copy with another ack batch size. */
    public ConsumerOptions withAckBatch(int v) {
        return new ConsumerOptions(group, prefetch, concurrency, visibilityMs, v, ackLingerMs, reconnectInitialMs,
                reconnectMaxMs);
    }

    /** A copy with another ack linger. */
    public ConsumerOptions withAckLingerMs(long v) {
        return new ConsumerOptions(group, prefetch, concurrency, visibilityMs, ackBatch, v, reconnectInitialMs,
                reconnectMaxMs);
    }

    /** A copy with other reconnection waits. */
    public ConsumerOptions withReconnect(long initialMs, long maxMs) {
        return new ConsumerOptions(group, prefetch, concurrency, visibilityMs, ackBatch, ackLingerMs, initialMs, maxMs);
    }
}
