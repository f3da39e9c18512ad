package dev.spool.embedded;

/**
 * Limits of the flow control of pushes ({@link PushFlow}): how far the consumers of a queue may
 * fall behind before pushes to it are held, how long one is held at most, and how many are held.
 *
 * <p>A push to a queue is held while one of its groups is consumed and has more ready messages
 * than its bound: {@code min(backlogMessages, max(pop, rate × backlogMs))}, where {@code rate}
 * is the rate at which that group's consumers took messages lately and {@code pop} the largest
 * {@code max} of their recent pops; with {@code backlogMs} 0 the bound is {@code backlogMessages}
 * alone. The time form bounds how long a message waits in the ready backlog (end-to-end latency)
 * whatever the consumers' speed; the message form caps the backlog when they are fast; the floor
 * lets a consumer that pops batches always find a full one (a slow batch consumer would otherwise
 * get ever smaller batches, lowering its rate and so its bound).
 *
 * @param backlogMs longest backlog, in milliseconds of the consumers' current rate (0: no time bound)
 * @param backlogMessages most ready messages in a consumed group before pushes are held
 * @param maxHoldMs the longest a push is held
 * @param maxHeld most pushes held at once over all queues; past it a push that would be held is
 *        refused with {@code 429}
 */
public record FlowControl(long backlogMs, long backlogMessages, long maxHoldMs, int maxHeld) {
    /**
     * The defaults: no time bound (a queue buffers a producer's burst for slow workers), at most
     * 10,000 messages, held 5 s at most, 65,536 held.
     */
    public static final FlowControl DEFAULTS = new FlowControl(0, 10_000, 5_000, 65_536);

    /** Checks ranges. */
    public FlowControl {
        if (backlogMs < 0 || backlogMessages < 1 || maxHoldMs < 0 || maxHeld < 0) {
            throw new IllegalArgumentException("flow control values out of range");
        }
    }

    /**
     * The bound for a group whose consumers take {@code perSecond} messages a second in pops of up
     * to {@code pop} messages.
     */
    long bound(double perSecond, long pop) {
        if (backlogMs == 0) {
            return backlogMessages;
        }
        long byTime = (long) (perSecond * backlogMs / 1000.0);
        return Math.min(backlogMessages, Math.max(Math.max(1, pop), byTime));
    }
}
