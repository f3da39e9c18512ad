package dev.spool.api;

import java.util.List;

/**
 * One operation of a transaction. A transaction applies all of its operations or none; a failing
 * operation (a stale receipt, an unknown queue, a bad value) aborts it with a
 * {@link SpoolException} whose {@link SpoolException#opIndex()} names the operation.
 */
public sealed interface TxOp {
    /** An operation on a queue: push, ack, nack, extend. */
    sealed interface OnQueue extends TxOp permits Push, Ack, Nack, Extend {
        /** The queue the operation acts on. */
        String queue();
    }

    /**
     * An operation on a lock: an acquire, or a state write or a release, each proven by the holder's
     * fence. A state write or release that follows an acquire of the same lock in the same
     * transaction may carry {@link LockFence#TX_ACQUIRED} instead of a fence: it then acts with the
     * lease that acquire takes, so acquire, write and release are one request and one commit.
     */
    sealed interface OnLock extends TxOp permits LockAcquire, LockStatePut, LockRelease {
        /** The lock the operation acts on. */
        String lock();
    }

    /**
     * Acquire a free lock (same rules as {@link Broker#acquireLock}, without waiting: the request's
     * {@code waitMs} must be 0). Fails the transaction with {@link ErrorCode#LOCK_HELD} when the lock
     * is held or has waiters. The granted lease is in {@link TxResult#lease(int)}; later ops of the
     * transaction refer to it with {@link LockFence#TX_ACQUIRED}. If the transaction also releases
     * the lock, the lease ends at commit, and its token is still the one the state write carries.
     *
     * @param lock the lock
     * @param request owner and ttl; {@code waitMs} 0
     */
    record LockAcquire(String lock, LockRequest request) implements OnLock {
    }

    /**
     * Replace a lock's state document (same rules as {@link Broker#putLockState}).
     *
     * @param lock the lock
     * @param write the holder's fence, the document and the optional expected version
     */
    record LockStatePut(String lock, LockStateWrite write) implements OnLock {
    }

    /**
     * Release a lock (same rules as {@link Broker#releaseLock}); the next waiter is served once the
     * transaction commits.
     *
     * @param lock the lock
     * @param fence the holder's lease id and token
     */
    record LockRelease(String lock, LockFence fence) implements OnLock {
    }

    /**
     * Push messages.
     *
     * @param queue target queue
     * @param messages what to push
     */
    record Push(String queue, List<NewMessage> messages) implements OnQueue {
        /** Copies the list. */
        public Push {
            messages = List.copyOf(messages);
        }
    }

    /**
     * Acknowledge deliveries; every receipt must be current.
     *
     * @param queue the queue
     * @param request what to acknowledge
     */
    record Ack(String queue, AckRequest request) implements OnQueue {
    }

    /**
     * Nack deliveries; every receipt must be current.
     *
     * @param queue the queue
     * @param request what to nack
     */
    record Nack(String queue, NackRequest request) implements OnQueue {
    }

    /**
     * Extend leases; every receipt must be current.
     *
     * @param queue the queue
     * @param request what to extend
     */
    record Extend(String queue, ExtendRequest request) implements OnQueue {
    }
}
