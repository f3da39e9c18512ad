package dev.spool.api;

/**
 * Counts of one group of a queue.
 *
 * @param ready messages that can be popped now
 * @param delayed messages waiting for a delay, a backoff, or their key's predecessor
 * @param inFlight messages leased to consumers
 * @param dead dead letters of this group still waiting in the dead-letter queue
 * @param oldestReadyAgeMs age of the oldest ready message, 0 when none
 */
public record QueueStats(long ready, long delayed, long inFlight, long dead, long oldestReadyAgeMs) {
    /** All zero. */
    public static final QueueStats EMPTY = new QueueStats(0, 0, 0, 0, 0);
}
