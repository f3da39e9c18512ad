package dev.spool.api;

/**
 * Bounds every backend enforces, so that one caller cannot exhaust memory or starve the others.
 * Past a bound the caller gets {@link ErrorCode#INVALID_ARGUMENT} (a request too big) or
 * {@link ErrorCode#TOO_MANY_REQUESTS} (a shared resource full).
 *
 * @param maxQueues most queues (dead-letter queues included)
 * @param maxGroupsPerQueue most named groups on one queue
 * @param maxBatch most messages in one push, or receipts in one ack/nack/extend
 * @param maxPop most messages one pop returns
 * @param maxWaitMs longest long poll of a pop or a task view
 * @param maxWaiters most pops and task views waiting at once
 * @param maxTxOps most operations in one transaction
 * @param maxBrowse most messages one browse returns
 */
public record BrokerLimits(int maxQueues, int maxGroupsPerQueue, int maxBatch, int maxPop, long maxWaitMs,
        int maxWaiters, int maxTxOps, int maxBrowse) {

    /** The defaults. */
    public static final BrokerLimits DEFAULTS = new BrokerLimits(10_000, 1_000, 10_000, 1_000, 60_000, 10_000,
            1_000, 1_000);

    /** Checks every bound is positive. */
    public BrokerLimits {
        if (maxQueues < 1 || maxGroupsPerQueue < 1 || maxBatch < 1 || maxPop < 1 || maxWaitMs < 0
                || maxWaiters < 0 || maxTxOps < 1 || maxBrowse < 1) {
            throw new IllegalArgumentException("broker limits must be positive");
        }
    }
}
